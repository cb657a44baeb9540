using System.Diagnostics.Metrics;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Transport;

/// <summary>Byte and frame counters of the transport, one set per silo or client.</summary>
internal sealed class TransportMetrics
{
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _handshakeFailures;

    public TransportMetrics(Meter meter)
    {
        _bytesSent = meter.CreateCounter<long>(MetricNames.TransportBytesSent, "By", "Bytes written to cluster transport connections, frame prefix and headers included.");
        _bytesReceived = meter.CreateCounter<long>(MetricNames.TransportBytesReceived, "By", "Bytes read from cluster transport connections, frame prefix and headers included.");
        _framesSent = meter.CreateCounter<long>(MetricNames.TransportFramesSent, "{frame}", "Frames written to cluster transport connections.");
        _framesReceived = meter.CreateCounter<long>(MetricNames.TransportFramesReceived, "{frame}", "Frames read from cluster transport connections.");
        _handshakeFailures = meter.CreateCounter<long>(MetricNames.TransportHandshakeFailures, "{connection}", "Connections refused in the handshake (wrong cluster, wrong secret, garbage).");
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
