using Google.Protobuf;
using Orrery.Cluster.Membership;

namespace Orrery.Cluster.Grains;

/// <summary>A silo's own catalog, reached without the transport when the caller's silo owns the grain.</summary>
internal interface ILocalGrainDispatcher
{
    /// <summary>This silo's row.</summary>
    SiloEntry Self { get; }

    Task<IMessage> InvokeLocalAsync(GrainReference target, GrainMethod method, IMessage request, string[] callerChain, long deadlineMs, CancellationToken cancellationToken);
}
