using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Pca;

public sealed partial class WorkerStepReply : IPayloadCarrier
{
    /// <inheritdoc />
    public ReadOnlyMemory<byte> Payload { get; set; }
}
