namespace Orrery.Bench.Runtime;

/// <summary>
/// What every benchmark mode records about its run (the command as typed, the machine, the start time, a folder for
/// its child processes' logs) and the Ctrl-C source that stops it after the current run.
/// </summary>
internal sealed class BenchRun : IDisposable
{
    private BenchRun(string command, MachineInfo machine, string logs)
    {
        Command = command;
        Machine = machine;
        Logs = logs;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Stop.Cancel();
        };
    }

    /// <summary>Cancelled by Ctrl-C.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>The command that started the run: <c>ORRERY_BENCH_COMMAND</c> (set by the bench scripts), else the program's own arguments.</summary>
    public string Command { get; }

    public MachineInfo Machine { get; }

    public DateTimeOffset Date { get; } = DateTimeOffset.UtcNow;

    /// <summary>A new temporary folder for the run's process logs.</summary>
    public string Logs { get; }

    /// <summary>Starts a run of <paramref name="title"/> (<paramref name="mode"/>: the mode argument, empty for the default) and prints its first line.</summary>
    public static BenchRun Begin(string title, string mode, string[] args)
    {
        var command = Environment.GetEnvironmentVariable("ORRERY_BENCH_COMMAND") is { Length: > 0 } given
            ? given
            : $"Orrery.Bench.Runtime {mode} {string.Join(' ', args)}".Replace("  ", " ", StringComparison.Ordinal).TrimEnd();
        var machine = MachineInfo.Read();
        var logs = Directory.CreateTempSubdirectory($"orrery-bench-{(mode.Length == 0 ? "runtime" : mode)}-").FullName;
        Console.WriteLine($"# {title} ({machine.Cores} cores, {machine.CpuModel}, {machine.Memory}); process logs in {logs}");
        return new BenchRun(command, machine, logs);
    }

    public void Dispose() => Stop.Dispose();
}
