using Orrery.Contracts.Grains;

namespace Orrery.Contracts.MetricGraphs;

public sealed partial class StartEnsembleRequest : IPayloadCarrier
{
    /// <inheritdoc />
    public ReadOnlyMemory<byte> Payload { get; set; }
}
