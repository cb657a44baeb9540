using System.Collections.Concurrent;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Tests.Runtime;

/// <summary>Records how many of its turns overlap: non-interleaved calls must never overlap, interleaved ones may.</summary>
[GrainType("test.turns")]
public interface ITurnProbeGrain : IGrain
{
    /// <summary>A non-interleaved turn that awaits in the middle; returns the most turns seen running at once.</summary>
    Task<EchoReply> TurnAsync(EchoRequest request, CancellationToken cancellationToken);

    /// <summary>The same body, interleaved.</summary>
    [AlwaysInterleave]
    Task<EchoReply> InterleavedTurnAsync(EchoRequest request, CancellationToken cancellationToken);
}

public sealed class TurnProbeGrain : Grain, ITurnProbeGrain
{
    private int _running;
    private int _maxRunning;

    public Task<EchoReply> TurnAsync(EchoRequest request, CancellationToken cancellationToken) => RunAsync(request);

    public Task<EchoReply> InterleavedTurnAsync(EchoRequest request, CancellationToken cancellationToken) => RunAsync(request);

    private async Task<EchoReply> RunAsync(EchoRequest request)
    {
        var now = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, now);
        await Task.Delay(request.DelayMs);
        await Task.Yield();
        Interlocked.Decrement(ref _running);
        return new EchoReply { Calls = Volatile.Read(ref _maxRunning), Silo = SiloName };
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

/// <summary>Records its activations and deactivations in a process-wide log keyed by grain key.</summary>
[GrainType("test.lifecycle")]
public interface ILifecycleGrain : IGrain
{
    Task<EchoReply> TouchAsync(EchoRequest request, CancellationToken cancellationToken);

    /// <summary>Asks to be deactivated after this call.</summary>
    Task<EchoReply> RetireAsync(EchoRequest request, CancellationToken cancellationToken);
}

public sealed class LifecycleGrain : Grain, ILifecycleGrain
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Events = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Log("activate");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Log($"deactivate:{reason}");
        return Task.CompletedTask;
    }

    public Task<EchoReply> TouchAsync(EchoRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new EchoReply { Silo = SiloName, Text = request.Text });

    public Task<EchoReply> RetireAsync(EchoRequest request, CancellationToken cancellationToken)
    {
        DeactivateOnIdle();
        return Task.FromResult(new EchoReply { Silo = SiloName });
    }

    private void Log(string what) => Events.GetOrAdd(GrainId.Key, _ => new ConcurrentQueue<string>()).Enqueue(what);
}

/// <summary>A grain whose activation always fails.</summary>
[GrainType("test.broken")]
public interface IBrokenGrain : IGrain
{
    Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken);
}

public sealed class BrokenGrain : Grain, IBrokenGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("no model file for this key");

    public Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken) => Task.FromResult(new EchoReply());
}
