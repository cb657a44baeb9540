namespace Orrery.Cluster.Tensors;

/// <summary>The tensor channel's instrument names (meter <see cref="MeterName"/>), in Prometheus conventions with base units.</summary>
public static class TensorMetricNames
{
    public const string MeterName = "Orrery.Tensors";
    public const string BytesSent = "orrery_tensor_bytes_sent";
    public const string BytesReceived = "orrery_tensor_bytes_received";
    public const string FramesSent = "orrery_tensor_frames_sent";
    public const string FramesReceived = "orrery_tensor_frames_received";
    public const string HandshakeFailures = "orrery_tensor_handshake_failures";
    public const string Transfers = "orrery_tensor_transfers";
    public const string TransferDuration = "orrery_tensor_transfer_duration";
    public const string StoreBytes = "orrery_tensor_store_bytes";
    public const string StoreTensors = "orrery_tensor_store_tensors";
    public const string StoreCapacity = "orrery_tensor_store_capacity_bytes";
    public const string StoreRefusals = "orrery_tensor_store_refusals";
}
