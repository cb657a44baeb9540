using System.Globalization;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>What the <c>orleans-tensors</c> mode measures; the defaults keep a run near 5 minutes on 2 cores.</summary>
internal sealed class OrleansTensorOptions
{
    /// <summary>Results file. Default: <c>bench/results/runtime.md</c> under the repository.</summary>
    public string OutputPath { get; set; } = "";

    /// <summary>Print the tables only. Default: false.</summary>
    public bool NoWrite { get; set; }

    /// <summary>Tensor sizes in MiB of float32. Default: 16, 64, 256.</summary>
    public int[] SizesMiB { get; set; } = [16, 64, 256];

    /// <summary>Repetitions of every way at every size, alternated; the median is reported. Default: 5.</summary>
    public int Repetitions { get; set; } = 5;

    /// <summary>Bytes each run reads per direction (at least 2 x in flight reads). Default: 1 GiB.</summary>
    public long BytesPerRun { get; set; } = 1L << 30;

    /// <summary>Reads in flight per direction, the same for every way. Default: 2.</summary>
    public int InFlight { get; set; } = 2;

    /// <summary>The ways measured, a subset for quick looks (<c>--ways ref,raw</c>); the goals need all. Default: all four.</summary>
    public TensorWay[] Ways { get; set; } = Enum.GetValues<TensorWay>();

    /// <summary>Orleans' MaxMessageBodySize on the silos, in MiB (Orleans' default is 100). Default: 512.</summary>
    public int MaxMessageBodyMiB { get; set; } = 512;

    /// <summary>Before each measured run, wait until other programs use fewer cores than this. Default: 0.3.</summary>
    public double QuietOtherCores { get; set; } = 0.3;

    /// <summary>Most seconds the whole run may spend waiting for a quiet machine. Default: 120.</summary>
    public double QuietBudgetSeconds { get; set; } = 120;

    public static OrleansTensorOptions Parse(string[] args, string repositoryRoot)
    {
        var options = new OrleansTensorOptions { OutputPath = Path.Combine(repositoryRoot, "bench", "results", "runtime.md") };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--no-write")
            {
                options.NoWrite = true;
                continue;
            }

            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--out": options.OutputPath = Path.GetFullPath(value); break;
                case "--sizes-mib": options.SizesMiB = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => (int)Number(name, v))]; break;
                case "--reps": options.Repetitions = (int)Number(name, value); break;
                case "--gib": options.BytesPerRun = (long)(Number(name, value) * (1L << 30)); break;
                case "--inflight": options.InFlight = (int)Number(name, value); break;
                case "--ways": options.Ways = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WayOf)]; break;
                case "--max-body-mib": options.MaxMessageBodyMiB = (int)Number(name, value); break;
                case "--quiet-cores": options.QuietOtherCores = Number(name, value); break;
                case "--quiet-budget": options.QuietBudgetSeconds = value == "0" ? 0 : Number(name, value); break;
                default: throw new ArgumentException($"unknown option {name} {value}");
            }
        }

        return options;
    }

    /// <summary>Reads per run and direction for a tensor of <paramref name="bytes"/>.</summary>
    public int CountFor(long bytes) => (int)Math.Max(2L * InFlight, BytesPerRun / bytes);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"float32 tensors of {string.Join(",", SizesMiB)} MiB; {BytesPerRun / (double)(1L << 30):0.##} GiB per run and direction, {InFlight} reads in flight; " +
        $"median of {Repetitions} repetitions, {(Ways.Length == 5 ? "the five ways" : string.Join(", ", Ways))} alternated within each; Orleans MaxMessageBodySize {MaxMessageBodyMiB} MiB; Tensors:ConnectionsPerPeer 2 (default)");

    private static TensorWay WayOf(string name) => name switch
    {
        "ref" => TensorWay.TensorRef,
        "message" => TensorWay.OrleansMessage,
        "raw" => TensorWay.RawSocket,
        "raw-fresh" => TensorWay.RawSocketFreshArray,
        "ref-reused" => TensorWay.TensorRefReused,
        _ => throw new ArgumentException($"--ways takes ref, ref-reused, message, raw and raw-fresh, not '{name}'"),
    };

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name} takes a positive number, not '{value}'");
}
