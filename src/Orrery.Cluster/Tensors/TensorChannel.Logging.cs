using Microsoft.Extensions.Logging;
using Orrery.Cluster.Silos;

namespace Orrery.Cluster.Tensors;

/// <summary>The tensor channel's log events (ids in <see cref="OrreryLogEvents"/>).</summary>
public sealed partial class TensorChannel
{
    [LoggerMessage(EventId = OrreryLogEvents.TensorChannelServing, Level = LogLevel.Information, Message = "Tensor channel serving at {Endpoint} (generation {Generation}, store cap {CapacityBytes} bytes)")]
    private partial void LogStarted(string endpoint, long generation, long capacityBytes);

    [LoggerMessage(EventId = OrreryLogEvents.TensorChannelClosedConnection, Level = LogLevel.Warning, Message = "Tensor channel closed a connection from {Peer}: it sent {What}")]
    private partial void LogRefusedFrame(string peer, string what);
}
