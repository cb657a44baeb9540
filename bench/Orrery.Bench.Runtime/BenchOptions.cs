using System.Globalization;

namespace Orrery.Bench.Runtime;

/// <summary>What to measure and for how long; every option has a default that keeps a full run under about 10 minutes on 2 cores.</summary>
internal sealed class BenchOptions
{
    /// <summary>The orrery-silo executable (Release build). Default: <c>silo/bin/Release/net10.0/orrery-silo</c> under the repository.</summary>
    public string SiloPath { get; set; } = "";

    /// <summary>Results file. Default: <c>bench/results/runtime.md</c> under the repository.</summary>
    public string OutputPath { get; set; } = "";

    /// <summary>Print the tables only. Default: false.</summary>
    public bool NoWrite { get; set; }

    /// <summary>Calls in flight for the closed-loop small-call runs. Default: 1, 16, 64, 256.</summary>
    public int[] Concurrency { get; set; } = [64, 256, 1024];

    /// <summary>The routes to measure, in order (--routes client,silo).</summary>
    public CallRoute[] Routes { get; set; } = [CallRoute.ClientToSilos, CallRoute.SiloToSilo];

    /// <summary>Seconds a closed-loop run is sized to last. Default: 3.</summary>
    public double CallSeconds { get; set; } = 3;

    /// <summary>Runs per closed-loop point; the median is reported (runs of one point varied by up to ±10% on the shared 2-core VM). Default: 5.</summary>
    public int Repetitions { get; set; } = 5;

    /// <summary>Seconds of the open-loop run at half of the peak. Default: 5.</summary>
    public double OpenLoopSeconds { get; set; } = 5;

    /// <summary>Calls per second offered in the open-loop runs, both sides; 0 offers each side half of its own peak. Default: 0.</summary>
    public double OpenLoopRate { get; set; }

    /// <summary>Workers of the open-loop run, the most calls it can have in flight. Default: 512.</summary>
    public int OpenLoopWorkers { get; set; } = 512;

    /// <summary>Before each measured run, wait until other programs use fewer cores than this. Default: 0.3.</summary>
    public double QuietOtherCores { get; set; } = 0.3;

    /// <summary>Most seconds the whole run may spend waiting for a quiet machine. Default: 180.</summary>
    public double QuietBudgetSeconds { get; set; } = 180;

    public static BenchOptions Parse(string[] args, string repositoryRoot)
    {
        var options = new BenchOptions
        {
            SiloPath = Path.Combine(repositoryRoot, "silo", "bin", "Release", "net10.0", "orrery-silo"),
            OutputPath = Path.Combine(repositoryRoot, "bench", "results", "runtime.md"),
        };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--no-write")
            {
                options.NoWrite = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            switch (name)
            {
                case "--silo": options.SiloPath = Path.GetFullPath(value); break;
                case "--out": options.OutputPath = Path.GetFullPath(value); break;
                case "--concurrency": options.Concurrency = Integers(name, value); break;
                case "--routes": options.Routes = RouteList(name, value); break;
                case "--call-seconds": options.CallSeconds = Number(name, value); break;
                case "--reps": options.Repetitions = (int)Number(name, value); break;
                case "--open-seconds": options.OpenLoopSeconds = Number(name, value); break;
                case "--open-rate": options.OpenLoopRate = Number(name, value); break;
                case "--open-workers": options.OpenLoopWorkers = (int)Number(name, value); break;
                case "--quiet-cores": options.QuietOtherCores = Number(name, value); break;
                case "--quiet-budget": options.QuietBudgetSeconds = value == "0" ? 0 : Number(name, value); break;
                default: throw new ArgumentException($"unknown option {name} {value}");
            }
        }

        if (!File.Exists(options.SiloPath))
        {
            throw new ArgumentException($"orrery-silo not found at {options.SiloPath}; build it with 'dotnet build silo -c Release' or pass --silo PATH");
        }

        if (options.Repetitions < 1 || options.CallSeconds <= 0 || options.OpenLoopSeconds <= 0 || options.OpenLoopWorkers < 1)
        {
            throw new ArgumentException("--reps, --call-seconds, --open-seconds and --open-workers must be positive");
        }

        return options;
    }

    /// <summary>The options as given to <see cref="Parse"/> would reproduce them, for the results file.</summary>
    public string Describe() =>
        $"routes {string.Join(",", Routes)}; concurrency {string.Join(",", Concurrency)}; {CallSeconds:0.#} s per closed-loop run, median of {Repetitions}; " +
        $"open loop {OpenLoopSeconds:0.#} s at {(OpenLoopRate > 0 ? $"{OpenLoopRate:0} calls/s" : "half of each side's peak")}, at most {OpenLoopWorkers} in flight";

    private static CallRoute[] RouteList(string name, string value) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(route => route switch
        {
            "client" => CallRoute.ClientToSilos,
            "silo" => CallRoute.SiloToSilo,
            _ => throw new ArgumentException($"{name} takes client and/or silo, comma-separated, not '{route}'"),
        })];

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name} takes a positive number, not '{value}'");

    private static int[] Integers(string name, string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => (int)Number(name, v))];
}
