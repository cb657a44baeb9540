using System.Diagnostics.Metrics;

namespace Orrery.Cluster.Transport;

/// <summary>Byte and frame counters of the framed transport, one set per tensor channel.</summary>
internal sealed class TransportMetrics
{
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _handshakeFailures;

    /// <summary>The counters under the names a channel on this framing gives them (the tensor channel's <c>orrery_tensor_*</c>).</summary>
    public TransportMetrics(
        Meter meter, string bytesSent, string bytesReceived, string framesSent, string framesReceived, string handshakeFailures, string what)
    {
        _bytesSent = meter.CreateCounter<long>(bytesSent, "By", $"Bytes written to {what} connections, frame prefix and headers included.");
        _bytesReceived = meter.CreateCounter<long>(bytesReceived, "By", $"Bytes read from {what} connections, frame prefix and headers included.");
        _framesSent = meter.CreateCounter<long>(framesSent, "{frame}", $"Frames written to {what} connections.");
        _framesReceived = meter.CreateCounter<long>(framesReceived, "{frame}", $"Frames read from {what} connections.");
        _handshakeFailures = meter.CreateCounter<long>(handshakeFailures, "{connection}", $"Connections to the {what} refused in the handshake (wrong cluster, wrong secret, garbage).");
    }

    public void Sent(long bytes, int frames)
    {
        _bytesSent.Add(bytes);
        _framesSent.Add(frames);
    }

    public void Received(long bytes)
    {
        _bytesReceived.Add(bytes);
        _framesReceived.Add(1);
    }

    public void HandshakeFailed() => _handshakeFailures.Add(1);
}
