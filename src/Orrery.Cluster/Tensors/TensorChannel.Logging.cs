using Microsoft.Extensions.Logging;

namespace Orrery.Cluster.Tensors;

/// <summary>The tensor channel's log events (ids 3100-3199).</summary>
public sealed partial class TensorChannel
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Tensor channel serving at {Endpoint} (generation {Generation}, store cap {CapacityBytes} bytes)")]
    private partial void LogStarted(string endpoint, long generation, long capacityBytes);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Tensor channel closed a connection from {Peer}: it sent {What}")]
    private partial void LogRefusedFrame(string peer, string what);
}
