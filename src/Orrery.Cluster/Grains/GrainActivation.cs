using System.Diagnostics;
using Google.Protobuf;
using Orrery.Cluster.Errors;

namespace Orrery.Cluster.Grains;

/// <summary>
/// One live grain instance and its turn discipline. Non-interleaved requests take the turn
/// semaphore (FIFO for async waiters) and hold it until their whole async method completes, so
/// no two turns overlap even across awaits; <c>[AlwaysInterleave]</c> methods skip it.
/// </summary>
internal sealed class GrainActivation
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Func<CancellationToken, Task> _activate;
    private Task? _activation;
    private int _inFlight;
    private bool _deactivated;
    private long _lastUsedMs = Environment.TickCount64;

    public GrainActivation(GrainId id, GrainInterface grainInterface, Grain instance)
    {
        Id = id;
        Interface = grainInterface;
        Instance = instance;
        IdText = id.ToString();
        _activate = instance.OnActivateAsync;
    }

    public GrainId Id { get; }

    public string IdText { get; }

    public GrainInterface Interface { get; }

    public Grain Instance { get; }

    /// <summary>Set by <see cref="Grain.DeactivateOnIdle"/>: deactivate as soon as no request is running.</summary>
    public bool DeactivationRequested { get; set; }

    /// <summary>Registers a request; false when the activation has already been deactivated (the caller re-resolves).</summary>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_deactivated)
            {
                return false;
            }

            _inFlight++;
            return true;
        }
    }

    public async Task<IMessage> RunAsync(GrainMethod method, IMessage request, string[] callerChain, long deadlineMs, CancellationToken cancellationToken)
    {
        var holdsTurn = false;
        try
        {
            if (!method.Interleave)
            {
                if (Array.IndexOf(callerChain, IdText) >= 0)
                {
                    throw new CallCycleException(
                        $"call cycle: {CallContext.Describe(callerChain, IdText)}.{method.Name} would wait for a turn its own chain holds; the call would deadlock until its deadline");
                }

                await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
                holdsTurn = true;
            }

            await EnsureActivatedAsync(cancellationToken).ConfigureAwait(false);
            var chain = new string[callerChain.Length + 1];
            callerChain.CopyTo(chain, 0);
            chain[^1] = IdText;
            CallContext.Current = new CallContext(chain, deadlineMs);
            return await method.Invoke(Instance, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CallContext.Current = null;
            if (holdsTurn)
            {
                _turn.Release();
            }

            lock (_lock)
            {
                _inFlight--;
                _lastUsedMs = Environment.TickCount64;
            }
        }
    }

    /// <summary>Marks the activation deactivated if it is idle (no request in flight, unused since <paramref name="idleSinceMs"/>).</summary>
    public bool TryBeginDeactivation(long idleSinceMs, bool force)
    {
        lock (_lock)
        {
            if (_deactivated || (!force && (_inFlight > 0 || _lastUsedMs > idleSinceMs)))
            {
                return false;
            }

            _deactivated = true;
            return true;
        }
    }

    /// <summary>Waits until no request is running, up to <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref _inFlight) > 0 && watch.Elapsed < timeout)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public bool WasActivated => _activation is { IsCompletedSuccessfully: true };

    /// <summary>True when <see cref="Grain.OnActivateAsync"/> threw: the activation is unusable.</summary>
    public bool ActivationFailed => _activation is { IsFaulted: true } or { IsCanceled: true };

    private static async Task ActivateAsync(Func<CancellationToken, Task> activate, CancellationToken cancellationToken) =>
        await activate(cancellationToken).ConfigureAwait(false);

    private Task EnsureActivatedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Run through an async wrapper so a method that throws before its first await still
            // leaves a faulted task behind, and the activation counts as failed.
            _activation ??= ActivateAsync(_activate, cancellationToken);
            return _activation;
        }
    }
}
