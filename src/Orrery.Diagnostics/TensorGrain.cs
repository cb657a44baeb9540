using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Moves a tensor to a peer grain on another silo and back, by reference over the tensor channel, and checks it both
/// ways: the bytes never travel inside an Orleans message. Each reference is read once (the store frees it on the read).
/// </summary>
public sealed class TensorGrain(TensorChannel tensors, ILocalSiloDetails silo) : Grain, ITensorGrain
{
    /// <inheritdoc />
    public async Task<TensorRoundTripReply> RoundTripAsync(TensorRoundTripRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.Bytes);
        ArgumentException.ThrowIfNullOrEmpty(request.PeerKey);
        var data = GC.AllocateUninitializedArray<byte>(request.Bytes);
        TensorChecksum.Fill(data, request.Bytes);
        var checksum = TensorChecksum.Compute(data);

        // The peer goes to another silo when the cluster has one (a hint only places a new activation).
        var silos = await GrainFactory.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        var other = silos.FirstOrDefault(s => !s.Address.Equals(silo.SiloAddress))?.Address ?? silo.SiloAddress;
        var peer = GrainFactory.GetGrain<ITensorGrain>(request.PeerKey);
        var watch = Stopwatch.StartNew();
        TensorEchoReply echoed;
        using (PlacementHint.On(other))
        {
            echoed = await peer.EchoAsync(new TensorEchoRequest { Tensor = tensors.Put(data, new TensorLifetime(MaxReads: 1)), Checksum = checksum }, cancellationToken);
        }

        var back = await tensors.FetchAsync<byte>(echoed.Tensor, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        return new TensorRoundTripReply
        {
            Silo = silo.Name,
            PeerSilo = echoed.Silo,
            Bytes = data.Length,
            Seconds = seconds,
            Intact = back.Length == data.Length && TensorChecksum.Compute(back) == checksum,
        };
    }

    /// <inheritdoc />
    public async Task<TensorEchoReply> EchoAsync(TensorEchoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var data = await tensors.FetchAsync<byte>(request.Tensor, cancellationToken);
        if (TensorChecksum.Compute(data) != request.Checksum)
        {
            throw new InvalidDataException($"tensor of {data.Length} bytes from {request.Tensor.Endpoint} arrived with a wrong checksum");
        }

        return new TensorEchoReply { Tensor = tensors.Put(data, new TensorLifetime(MaxReads: 1)), Silo = silo.Name };
    }
}
