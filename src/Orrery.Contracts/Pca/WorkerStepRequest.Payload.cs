using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Pca;

public sealed partial class WorkerStepRequest : IPayloadCarrier
{
    /// <inheritdoc />
    public ReadOnlyMemory<byte> Payload { get; set; }
}
