namespace Orrery.Contracts.Grains;

/// <summary>
/// Implemented (through a partial class) by protobuf messages that carry a bulk tensor.
/// The payload is not protobuf-encoded: the transport writes it from this memory after the
/// message body and reads it on the far side straight into a buffer of its exact size,
/// so a 256 MB tensor costs no per-element encoding and no extra copy.
/// </summary>
public interface IPayloadCarrier
{
    /// <summary>Raw little-endian bytes of the tensor; empty when there is none.</summary>
    ReadOnlyMemory<byte> Payload { get; set; }
}
