using System.Text.Json.Serialization;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// What <c>results.json</c> holds, in the order written: settings, counts, exits, mean exit time, occupation of the
/// last window, timings, where the job ran, the per-ensemble and per-silo breakdown and, with a closed form, the
/// checks. Serialized by <see cref="SamplingResultsJsonContext"/> (System.Text.Json's source generator, snake_case
/// names); a value that is not finite (a mean exit time with no exits) is written as null.
/// </summary>
internal sealed record SamplingResultsFile(
    string Name,
    SamplingSettingsJson Settings,
    SamplingCountsJson Counts,
    double TruncationFraction,
    string? TruncationWarning,
    Dictionary<string, ExitJson> Exits,
    EstimateJson MeanExitTime,
    Dictionary<string, double> OccupationLastWindow,
    TimingsJson Timings,
    string Job,
    string CoordinatorSilo,
    int CoordinatorRestarts,
    int EnsembleMoves,
    List<EnsembleJson> Ensembles,
    Dictionary<string, SiloJson> Silos,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CheckJson? Check);

/// <summary>The run's settings as the sampler used them (dt and times written as the decimal the spec gave).</summary>
internal sealed record SamplingSettingsJson(
    string Graph,
    int Vertices,
    int Edges,
    long Particles,
    double Dt,
    long Steps,
    double EndTime,
    int MaxSplits,
    string Boundary,
    ulong Seed,
    string Initial,
    int BinsPerEdge,
    long SampleEvery,
    long WindowSteps,
    int Windows,
    int ExitTimeBins,
    double ExitTimeMax,
    string Device,
    long SliceSteps,
    int CheckpointEvery);

/// <summary>Particles, particle-steps, splits at junctions, truncated steps and exits.</summary>
internal sealed record SamplingCountsJson(long Particles, long ParticleSteps, long Splits, long TruncatedSteps, long Exited);

/// <summary>Exits through one absorbing vertex.</summary>
internal sealed record ExitJson(long Count, double Fraction);

/// <summary>A Monte Carlo estimate and its standard error; null where not finite.</summary>
internal sealed record EstimateJson(double? Value, double? StandardError);

/// <summary>Wall time of the job, its throughput and the ensembles' summed compute time.</summary>
internal sealed record TimingsJson(double Seconds, double ParticleStepsPerSecond, double ComputeSeconds);

/// <summary>One ensemble: its particles, where it ran, how often it was placed, where it moved from.</summary>
internal sealed record EnsembleJson(
    int Index, long FirstParticle, int Particles, string Silo, string Device, int Placements, double ComputeSeconds, long ParticleSteps, List<string> MovedFrom);

/// <summary>One silo's share of the job.</summary>
internal sealed record SiloJson(int Ensembles, long Particles, long ParticleSteps, double ComputeSeconds);

/// <summary>The closed-form checks: their verdict and one line per quantity.</summary>
internal sealed record CheckJson(string ClosedForm, double StandardErrors, bool Passed, List<CheckLineJson> Lines);

/// <summary>One checked quantity: estimate, exact value and tolerance (null where not finite).</summary>
internal sealed record CheckLineJson(string Quantity, double? Estimate, double? Exact, double? Tolerance, bool Passed);

/// <summary>The source-generated serializer of <see cref="SamplingResultsFile"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SamplingResultsFile))]
internal sealed partial class SamplingResultsJsonContext : JsonSerializerContext;
