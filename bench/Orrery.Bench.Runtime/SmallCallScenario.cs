using Orrery.Diagnostics;

namespace Orrery.Bench.Runtime;

/// <summary>
/// Small Orleans grain calls along one <see cref="CallRoute"/> (silo A to echo grains pinned on silo B, driven by the
/// load grain on A; or this process's Orleans client to echo grains pinned half on each silo), next to HTTP/2 echo
/// calls from this process to a Kestrel process: closed loop at each concurrency, then open loop at half of each
/// side's own peak.
/// </summary>
internal sealed class SmallCallScenario(
    BenchOptions options, CallRoute route, SiloCluster cluster, H2EchoDriver http2, ChildProcess http2Server, QuietGate quiet, CancellationToken stop)
{
    // Echo grains the calls spread over; PeekAsync interleaves, so the count does not serialise anything.
    private const int EchoKeys = 64;
    private const int MinCalls = 1000;
    private const int MaxCalls = 5_000_000;

    private long _orreryCalls;

    public async Task<SmallCallResults> RunAsync()
    {
        Console.WriteLine($"## warm-up ({route})");
        await OrreryAsync(20_000, 64, 0);
        await Http2Async(20_000, 64, 0);

        var points = new List<ClosedLoopPoint>();
        foreach (var concurrency in options.Concurrency)
        {
            stop.ThrowIfCancellationRequested();
            var probe = Math.Max(MinCalls, 20 * concurrency);
            var orreryCalls = Size((await OrreryAsync(probe, concurrency, 0)).CallsPerSecond);
            var http2Calls = Size((await Http2Async(probe, concurrency, 0)).CallsPerSecond);
            var orreryRuns = new List<CallFigures>();
            var http2Runs = new List<CallFigures>();
            for (var rep = 0; rep < options.Repetitions; rep++)
            {
                stop.ThrowIfCancellationRequested();
                await quiet.WaitAsync();
                orreryRuns.Add(Report($"orrery c={concurrency}", await OrreryAsync(orreryCalls, concurrency, 0)));
                await quiet.WaitAsync();
                http2Runs.Add(Report($"http2  c={concurrency}", await Http2Async(http2Calls, concurrency, 0)));
            }

            points.Add(new ClosedLoopPoint(
                concurrency, Median(orreryRuns), Median(http2Runs),
                [.. orreryRuns.Select(r => r.CallsPerSecond)], [.. http2Runs.Select(r => r.CallsPerSecond)]));
        }

        var orreryPeak = points.Max(p => p.Orrery.CallsPerSecond);
        var http2Peak = points.Max(p => p.Http2.CallsPerSecond);
        stop.ThrowIfCancellationRequested();
        await quiet.WaitAsync();
        var orreryRate = options.OpenLoopRate > 0 ? options.OpenLoopRate : orreryPeak / 2;
        var http2Rate = options.OpenLoopRate > 0 ? options.OpenLoopRate : http2Peak / 2;
        var orreryOpen = Report($"orrery open loop at {orreryRate:0}/s", await OrreryAsync(OpenLoopCalls(orreryRate), options.OpenLoopWorkers, orreryRate));
        await quiet.WaitAsync();
        var http2Open = Report($"http2  open loop at {http2Rate:0}/s", await Http2Async(OpenLoopCalls(http2Rate), options.OpenLoopWorkers, http2Rate));

        // Every call crossed processes: silo A's echo calls were all answered by silo B (SiloToSiloAsync checks); the
        // client's echo grains were placed on the two silos, half on each, and checked there (ClientEchoGrainsAsync).
        Console.WriteLine($"  {_orreryCalls:N0} echo calls made along {route}, every one answered in another process");
        return new SmallCallResults(route, points, orreryPeak, http2Peak, orreryRate, http2Rate, orreryOpen, http2Open, _orreryCalls);
    }

    private int Size(double callsPerSecond) => (int)Math.Clamp(callsPerSecond * options.CallSeconds, MinCalls, MaxCalls);

    private int OpenLoopCalls(double rate) => (int)Math.Clamp(rate * options.OpenLoopSeconds, MinCalls, MaxCalls);

    private Task<CallFigures> OrreryAsync(int calls, int concurrency, double rate) =>
        route == CallRoute.SiloToSilo ? SiloToSiloAsync(calls, concurrency, rate) : ClientToSilosAsync(calls, concurrency, rate);

    private async Task<CallFigures> ClientToSilosAsync(int calls, int concurrency, double rate)
    {
        var echoes = await cluster.ClientEchoGrainsAsync(EchoKeys);
        var ping = new Orrery.Contracts.Diagnostics.EchoRequest { Text = "hi!" };
        var cpu = CpuUse.Start(CpuUse.SelfCpu, () => cluster.SiloA.CpuTime + cluster.SiloB.CpuTime);
        var measured = await LoadDriver.RunAsync(calls, concurrency, rate, (i, token) => echoes[i % echoes.Length].PeekAsync(ping, token), stop);
        var (cores, others) = cpu.Stop();
        _orreryCalls += measured.Calls;
        return new CallFigures(
            measured.CallsPerSecond, measured.PercentileUs(0.5), measured.PercentileUs(0.99), measured.LatenciesUs[^1],
            measured.Calls, measured.Errors, measured.FirstError, cores[0], cores[1], others);
    }

    private async Task<CallFigures> SiloToSiloAsync(int calls, int concurrency, double rate)
    {
        var cpu = CpuUse.Start(() => cluster.SiloA.CpuTime, () => cluster.SiloB.CpuTime);
        var reply = await cluster.RunLoadAsync(SiloCluster.NameA, SiloCluster.NameB, calls, concurrency, rate, EchoKeys);
        if (reply.AnsweredBy is not [SiloCluster.NameB])
        {
            throw new InvalidOperationException($"echo calls meant for silo B were answered by {string.Join(", ", reply.AnsweredBy)}: calls did not cross processes as planned");
        }

        var (cores, others) = cpu.Stop();
        _orreryCalls += reply.Calls;
        return new CallFigures(reply.Calls / reply.Seconds, reply.P50Us, reply.P99Us, reply.MaxUs, reply.Calls, reply.Errors, reply.FirstError, cores[0], cores[1], others);
    }

    private async Task<CallFigures> Http2Async(int calls, int concurrency, double rate)
    {
        var cpu = CpuUse.Start(CpuUse.SelfCpu, () => http2Server.CpuTime);
        var measured = await http2.RunAsync(calls, concurrency, rate);
        var (cores, others) = cpu.Stop();
        return new CallFigures(
            measured.CallsPerSecond, measured.PercentileUs(0.5), measured.PercentileUs(0.99), measured.LatenciesUs[^1],
            measured.Calls, measured.Errors, measured.FirstError, cores[0], cores[1], others);
    }

    private static CallFigures Report(string what, CallFigures run)
    {
        Console.WriteLine(
            $"  {what,-34} {run.CallsPerSecond,10:N0} calls/s  p50 {run.P50Us / 1000,7:0.000} ms  p99 {run.P99Us / 1000,7:0.000} ms  max {run.MaxUs / 1000,8:0.0} ms  " +
            $"cpu {run.DriverCores:0.00}+{run.ServerCores:0.00} cores (others {run.OtherCores:0.00})" +
            (run.Errors > 0 ? $"  {run.Errors} errors, first: {run.FirstError}" : ""));
        return run;
    }

    private static CallFigures Median(List<CallFigures> runs) => runs.OrderBy(r => r.CallsPerSecond).ElementAt(runs.Count / 2);
}
