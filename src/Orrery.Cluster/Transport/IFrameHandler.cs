namespace Orrery.Cluster.Transport;

/// <summary>Serves frames that are not answers to this side's own calls: tensor fetch, push and release requests.</summary>
internal interface IFrameHandler
{
    /// <summary>
    /// Handles one inbound frame. Called on the connection's read loop: must not block; long
    /// work is started and not awaited.
    /// </summary>
    void OnFrame(Connection connection, InboundFrame frame);

    /// <summary>The connection closed (peer gone, protocol error, shutdown).</summary>
    void OnClosed(Connection connection, Exception? error);

}
