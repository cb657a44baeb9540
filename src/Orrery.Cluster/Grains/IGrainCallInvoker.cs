using Google.Protobuf;

namespace Orrery.Cluster.Grains;

/// <summary>Sends a grain call to its owner and returns the typed response.</summary>
public interface IGrainCallInvoker
{
    /// <summary>Routes <paramref name="request"/> to the owner of <paramref name="target"/>, retrying once per "moved" answer.</summary>
    Task<TResponse> InvokeAsync<TResponse>(GrainReference target, GrainMethod method, IMessage request, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>;
}
