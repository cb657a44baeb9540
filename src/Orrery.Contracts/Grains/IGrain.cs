namespace Orrery.Contracts.Grains;

/// <summary>
/// Marker for grain interfaces. Every method of a grain interface takes one protobuf
/// request message and a <see cref="CancellationToken"/> and returns
/// <c>Task&lt;TResponse&gt;</c> where <c>TResponse</c> is a protobuf message.
/// </summary>
public interface IGrain;
