using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Diagnostics;

public sealed partial class TensorRequest : IPayloadCarrier
{
    /// <inheritdoc />
    public ReadOnlyMemory<byte> Payload { get; set; }
}
