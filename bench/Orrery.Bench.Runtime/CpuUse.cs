using System.Diagnostics;
using System.Globalization;

namespace Orrery.Bench.Runtime;

/// <summary>
/// CPU time of the measured processes, of this process, and of the whole machine (/proc/stat)
/// between a start and an end: tells a run limited by CPU from one limited by something else,
/// and shows how much of the machine other programs took while it ran (the build machine is shared).
/// </summary>
internal sealed class CpuUse
{
    private static readonly Process Self = Process.GetCurrentProcess();

    private readonly Func<TimeSpan>[] _processes;
    private readonly TimeSpan[] _startCpu;
    private readonly TimeSpan _startSelf;
    private readonly (long Busy, long Total) _startMachine;
    private readonly long _startTicks = Stopwatch.GetTimestamp();

    private CpuUse(Func<TimeSpan>[] processes)
    {
        _processes = processes;
        _startCpu = [.. processes.Select(p => p())];
        _startSelf = SelfCpu();
        _startMachine = MachineJiffies();
    }

    /// <summary>Starts measuring the processes whose CPU time the functions read.</summary>
    public static CpuUse Start(params Func<TimeSpan>[] processes) => new(processes);

    /// <summary>This process's CPU time so far.</summary>
    public static TimeSpan SelfCpu()
    {
        Self.Refresh();
        return Self.TotalProcessorTime;
    }

    /// <summary>
    /// Cores each measured process kept busy on average, and the cores everything else kept busy
    /// (the machine's busy cores less the measured processes and this one).
    /// </summary>
    public (double[] Cores, double OtherCores) Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;
        var cores = new double[_processes.Length];
        for (var i = 0; i < cores.Length; i++)
        {
            cores[i] = (_processes[i]() - _startCpu[i]).TotalSeconds / seconds;
        }

        var self = (SelfCpu() - _startSelf).TotalSeconds / seconds;
        var (busy, total) = MachineJiffies();
        var machineCores = total == _startMachine.Total ? 0 : (double)(busy - _startMachine.Busy) / (total - _startMachine.Total) * Environment.ProcessorCount;
        var measured = cores.Sum() + (_processes.Any(IsSelf) ? 0 : self);
        return (cores, Math.Max(0, machineCores - measured));
    }

    /// <summary>Waits until the machine is quiet (others use less than <paramref name="maxOtherCores"/>) for half a second, at most <paramref name="limit"/>.</summary>
    /// <returns>How long it waited.</returns>
    public static async Task<TimeSpan> WaitForQuietAsync(double maxOtherCores, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < limit)
        {
            var before = MachineJiffies();
            await Task.Delay(500, cancellationToken);
            var after = MachineJiffies();
            var cores = after.Total == before.Total ? 0 : (double)(after.Busy - before.Busy) / (after.Total - before.Total) * Environment.ProcessorCount;
            if (cores < maxOtherCores)
            {
                break;
            }
        }

        return waited.Elapsed;
    }

    private static bool IsSelf(Func<TimeSpan> process) => process == SelfCpu;

    /// <summary>Busy and total jiffies over all cores (the first line of /proc/stat).</summary>
    private static (long Busy, long Total) MachineJiffies()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // cpu user nice system idle iowait irq softirq steal ...
            var values = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = values.Sum();
            var idle = values[3] + values[4];
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}
