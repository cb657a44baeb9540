using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Experiments;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Experiment;

/// <summary>Sampling specs: what a good one gives, and that each kind of mistake is named with file:line:column and the field.</summary>
public sealed class SamplingSpecTests : IDisposable
{
    private const string Good = """
        kind: sampling
        graph:
          generator: star
          lengths: [1.0, 1.5, 0.5]
          weights: [0.5, 0.3, 0.2]
          leaves: absorbing
        particles: 1000
        dt: 0.001
        end_time: 2.5
        seed: 9
        initial: {vertex: c}
        observables: {bins_per_edge: 8, windows: 5, exit_time_bins: 10, exit_time_max: 1}
        check: {closed_form: star-exit}
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-spec-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void GoodSpecGivesTheGraphSettingsAndJob()
    {
        var spec = Read(Good);
        Assert.Equal(4, spec.Graph.VertexCount);
        Assert.Equal(VertexKind.Absorbing, spec.Graph.VertexKinds[spec.Graph.VertexIndex("leaf1")]);
        Assert.Equal(2500, spec.Options.Steps);
        Assert.Equal(500, spec.Options.EffectiveWindowSteps);
        Assert.Equal(1000, spec.Options.ExitTimeSteps);
        Assert.Equal(9UL, spec.Options.Seed);
        Assert.Equal(InitialKind.AtVertex, spec.Initial.Kind);
        Assert.Equal("star-exit", spec.Check!.ClosedForm);
        var job = spec.ToJob();
        Assert.Equal(1000, job.Particles);
        Assert.True(job.SliceSteps is >= 1 and <= 2500);
    }

    [Fact]
    public void OverridesChangeSigmaDriftAndVertexKinds()
    {
        var spec = Read("""
            kind: sampling
            graph:
              generator: star
              arms: 3
              length: 2
              sigma: 0.5
              edges:
                e1: {sigma: 2, drift: {kind: linear, slope: -1.5}}
              absorbing: [leaf0]
              sources: [c]
            particles: 10
            dt: 0.01
            steps: 10
            """);
        var graph = spec.Graph;
        Assert.Equal(0.5, graph.Edges[0].Sigma);
        Assert.Equal(2, graph.Edges[1].Sigma);
        Assert.Equal(DriftKind.Linear, graph.Edges[1].Drift.Kind);
        Assert.Equal(-1.5, graph.Edges[1].Drift.Slope);
        Assert.Equal(VertexKind.Absorbing, graph.VertexKinds[graph.VertexIndex("leaf0")]);
        Assert.Equal(VertexKind.Source, graph.VertexKinds[graph.VertexIndex("c")]);
        Assert.Equal(InitialKind.FromSources, spec.Initial.Kind);
    }

    [Fact]
    public void GraphFilesLoadRelativeToTheSpec()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Examples", "star3.csv"), Path.Combine(_folder, "star3.csv"));
        var spec = Read("""
            kind: sampling
            graph: {file: star3.csv}
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """);
        Assert.Equal(3, spec.Graph.EdgeCount);
        Assert.EndsWith("star3.csv", spec.GraphSource);
    }

    // Caught before: a star of one arm given through 'lengths' was accepted while 'arms: 1' was refused.
    [Fact]
    public void OneArmStarIsRefusedThroughLengthsAsThroughArms()
    {
        Fails("""
            kind: sampling
            graph: {generator: star, lengths: [1.5]}
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """, "spec.yaml:2:35: graph.lengths: a star needs at least 2 arms; 'lengths' gives 1");
        Fails("""
            kind: sampling
            graph: {generator: star, arms: 1}
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """, "spec.yaml:2:32: graph.arms: 1 is out of range");
    }

    // Caught before: a graph of two pieces ran without a word, and the client said "its checks passed".
    [Fact]
    public void DisconnectedGraphIsWarnedAboutAndAConnectedOneIsNot()
    {
        File.WriteAllText(Path.Combine(_folder, "two.csv"), """
            id,tail,head,length,sigma,weight,drift,drift_offset,drift_slope,potential
            a,p,q,1.0,1.0,1,,,,
            b,q,r,1.0,1.0,1,,,,
            c,x,y,2.0,1.0,1,,,,
            """);
        var spec = Read("""
            kind: sampling
            graph: {file: two.csv}
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """);
        var warning = Assert.Single(spec.Warnings);
        Assert.Contains("the graph is disconnected: 2 components (of 3, 2 vertices)", warning);
        Assert.Null(spec.Check);
        Assert.Empty(Read(Good).Warnings);
        Assert.Equal([[0, 1, 2], [3, 4]], MetricGraphShape.Components(spec.Graph).Select(c => c.ToArray()).ToArray());
    }

    // Caught before: 16 million exit-time bins passed validation; the counts could not travel back in one Orleans
    // message, the job ran three times and ended with "cluster unreachable".
    [Fact]
    public void ResultsThatCannotTravelBackAreRefusedNamingTheLimitAndTheField()
    {
        Fails(Good.Replace("exit_time_bins: 10", "exit_time_bins: 16000000", StringComparison.Ordinal),
            "observables.exit_time_bins: the result's counts take", "SamplingJobPlan.MaxResultBytes");
        Fails(Good.Replace("bins_per_edge: 8", "bins_per_edge: 100000", StringComparison.Ordinal),
            "observables.bins_per_edge: 5 windows x 3 edges x 100000 bins is 1,500,000 histogram cells", "SamplingJobPlan.MaxOccupationCells");

        // Just inside the limit: accepted (the bound is 10 bytes a count plus 1 KiB).
        var bins = (SamplingJobPlan.MaxResultBytes - 1024) / 10 - (5 * 3 * 8) - 4 - 1;
        var spec = Read(Good.Replace("exit_time_bins: 10", $"exit_time_bins: {bins}", StringComparison.Ordinal));
        Assert.Equal(SamplingJobPlan.MaxResultBytes, SamplingJobPlan.ResultBytes(spec.Options, spec.Graph.VertexCount, spec.Graph.EdgeCount));
        Fails(Good.Replace("exit_time_bins: 10", $"exit_time_bins: {bins + 1}", StringComparison.Ordinal), "SamplingJobPlan.MaxResultBytes");

        // The coordinator refuses the same job from any caller, before it places an ensemble.
        var job = spec.ToJob();
        job.Settings!.ExitTimeBins = (int)bins + 1;
        var refused = Assert.Throws<ArgumentException>(() => SamplingJobPlan.Validate(job));
        Assert.Contains("SamplingJob.result size in bytes", refused.Message);
    }

    [Fact]
    public void MisspeltFieldIsNamed() =>
        Fails("""
            kind: sampling
            graph:
              generator: star
              arms: 3
              lenght: 2
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """, "spec.yaml:5:3: graph.lenght: unknown field");

    [Fact]
    public void UnknownGeneratorIsNamed() =>
        Fails("""
            kind: sampling
            graph: {generator: hexagon}
            particles: 10
            dt: 0.01
            steps: 10
            """, "spec.yaml:2:20: graph.generator: 'hexagon' is not one of: star, binary-tree, grid, random-geometric, vessel");

    [Fact]
    public void MissingGraphFileIsNamed() =>
        Fails("""
            kind: sampling
            graph:
              file: nowhere.json
            particles: 10
            dt: 0.01
            steps: 10
            """, "spec.yaml:3:9: graph.file: cannot use the graph file", "nowhere.json: the file does not exist");

    [Fact]
    public void BadNumberIsNamed() =>
        Fails("""
            kind: sampling
            graph: {generator: star, arms: 3}
            particles: lots
            dt: 0.01
            steps: 10
            """, "spec.yaml:3:12: particles: 'lots' is not a whole number");

    [Fact]
    public void OutOfRangeNumberIsNamed() =>
        Fails("""
            kind: sampling
            graph: {generator: star, arms: 3}
            particles: 10
            dt: -0.01
            steps: 10
            initial: uniform
            """, "spec.yaml:4:5: dt: -0.01 is out of range");

    [Fact]
    public void LoaderErrorKeepsTheGraphFilesLocation()
    {
        File.WriteAllText(Path.Combine(_folder, "bad.json"), """
            {
              "format": "orrery-metric-graph", "version": 1,
              "vertices": [ { "id": "a" }, { "id": "b" } ],
              "edges": [ { "id": "e", "tail": "a", "head": "b", "length": -2, "sigma": 1 } ]
            }
            """);
        Fails("""
            kind: sampling
            graph: {file: bad.json}
            particles: 10
            dt: 0.01
            steps: 10
            """, "spec.yaml:2:15: graph.file: cannot use the graph file", "bad.json:4:63: edges[0].length: edge \"e\": length is -2; it must be greater than 0");
    }

    [Fact]
    public void UnknownVertexInAnOverrideIsNamed() =>
        Fails("""
            kind: sampling
            graph:
              generator: star
              arms: 2
              absorbing: [leaf0, leaf7]
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            """, "spec.yaml:5:22: graph.absorbing[1]: the graph has no vertex \"leaf7\"");

    [Fact]
    public void StepsAndEndTimeExcludeEachOther() =>
        Fails("""
            kind: sampling
            graph: {generator: star, arms: 3}
            particles: 10
            dt: 0.01
            steps: 10
            end_time: 1
            initial: uniform
            """, "spec.yaml:1:1: spec: give either 'steps' or 'end_time'");

    [Fact]
    public void ClosedFormThatDoesNotApplyIsRefused() =>
        Fails("""
            kind: sampling
            graph: {generator: star, arms: 3, leaves: absorbing}
            particles: 10
            dt: 0.01
            steps: 10
            initial: uniform
            check: {closed_form: star-exit}
            """, "spec.yaml:7:22: check.closed_form: star-exit needs the particles to start at the centre");

    [Fact]
    public void GeneratorParameterProblemIsNamed() =>
        Fails("""
            kind: sampling
            graph: {generator: vessel, segments: 10}
            particles: 10
            dt: 0.01
            steps: 10
            """, "spec.yaml:2:38: graph.segments: 10 segments: a branching tree has an odd number");

    private SamplingSpec Read(string text) => SamplingSpec.Read(ExperimentSpec.Parse(text, Path.Combine(_folder, "spec.yaml")));

    private void Fails(string text, params string[] expected)
    {
        var error = Assert.Throws<ExperimentSpecException>(() => Read(text));
        foreach (var part in expected)
        {
            Assert.Contains(part, error.Message.Replace(_folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal));
        }
    }
}
