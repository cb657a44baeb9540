namespace Orrery.Cluster.Grains;

/// <summary>
/// Base class of grain implementations. The runtime creates one instance per activation (with
/// constructor injection from the silo's services), calls <see cref="OnActivateAsync"/> before
/// the first request, runs requests one at a time unless a method is marked
/// <c>[AlwaysInterleave]</c>, and calls <see cref="OnDeactivateAsync"/> when the activation ends.
/// </summary>
public abstract class Grain
{
    private GrainRuntimeContext? _context;

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => Context.Id;

    /// <summary>Typed references to other grains; calls made through it carry this grain's deadline and call chain.</summary>
    public IGrainFactory GrainFactory => Context.Factory;

    /// <summary>Name of the silo this activation runs on.</summary>
    public string SiloName => Context.SiloName;

    /// <summary>Generation of the silo this activation runs on.</summary>
    public long SiloGeneration => Context.SiloGeneration;

    /// <summary>
    /// The membership view of the silo this activation runs on, read at each access: the Active silos and
    /// their capabilities (devices), for coordinators that spread workers over silos and re-place the work
    /// of dead ones.
    /// </summary>
    public Membership.MembershipView ClusterView => Context.View;

    private GrainRuntimeContext Context => _context ?? throw new InvalidOperationException(
        $"{GetType().Name} is used outside the grain runtime: grains are created by a silo, not with 'new'");

    /// <summary>Runs once before the first request of an activation. Default: nothing.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once when the activation ends (idle, requested, silo shutdown). Default: nothing.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current request has finished.</summary>
    protected void DeactivateOnIdle() => Context.RequestDeactivation();

    internal void Attach(GrainRuntimeContext context) => _context = context;
}
