namespace Orrery.Cluster.Transport;

/// <summary>Serves frames that are not answers to this side's own calls: requests, pings, subscriptions, updates.</summary>
internal interface IFrameHandler
{
    /// <summary>
    /// Handles one inbound frame. Called on the connection's read loop: must not block; long
    /// work is started and not awaited.
    /// </summary>
    void OnFrame(Connection connection, InboundFrame frame);

    /// <summary>The connection closed (peer gone, protocol error, shutdown).</summary>
    void OnClosed(Connection connection, Exception? error);

    /// <summary>
    /// True when the request <paramref name="header"/> describes may receive its payload in pooled memory: its
    /// method borrows the payload, and the handler posts the reply with the frame's <see cref="InboundFrame.Lease"/>
    /// as <see cref="OutgoingFrame.Release"/>. Called on the read loop before the payload is read.
    /// </summary>
    bool LendsPayload(FrameHeader header) => false;
}
