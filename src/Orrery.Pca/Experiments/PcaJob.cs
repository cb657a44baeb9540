using System.Diagnostics;
using System.Runtime.InteropServices;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>Drives a <see cref="IPcaCoordinator"/> from a client: start, advance in slices, fetch the result.</summary>
public static class PcaJob
{
    /// <summary>Advance calls that time out in a row before the run is given up (a slice that met a dying silo may outlive its deadline).</summary>
    public const int MaxTimedOutSlices = 5;

    /// <summary>
    /// Runs <paramref name="request"/> on the coordinator <paramref name="key"/> (pinned to <paramref name="coordinatorSilo"/>
    /// when given), in slices of <paramref name="sliceSeconds"/>, reporting every slice to <paramref name="onSlice"/>.
    /// </summary>
    public static async Task<PcaJobResult> RunAsync(
        IGrainFactory grains, string key, PcaStartRequest request, Action<PcaAdvanceReply>? onSlice = null,
        string? coordinatorSilo = null, double sliceSeconds = 1, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var coordinator = coordinatorSilo is null ? grains.GetGrain<IPcaCoordinator>(key) : grains.GetGrain<IPcaCoordinator>(key, coordinatorSilo);
        var start = await coordinator.StartAsync(request, cancellationToken).ConfigureAwait(false);
        var timedOut = 0;
        while (true)
        {
            PcaAdvanceReply slice;
            try
            {
                slice = await coordinator.AdvanceAsync(new PcaAdvanceRequest { Seconds = sliceSeconds }, cancellationToken).ConfigureAwait(false);
                timedOut = 0;
            }
            catch (GrainCallTimeoutException) when (++timedOut <= MaxTimedOutSlices)
            {
                continue;
            }

            onSlice?.Invoke(slice);
            if (slice.Finished)
            {
                break;
            }
        }

        var result = await coordinator.ResultAsync(new PcaResultRequest(), cancellationToken).ConfigureAwait(false);
        var flat = MemoryMarshal.Cast<byte, float>(result.Payload.Span);
        var vectors = new float[result.Components][];
        for (var k = 0; k < vectors.Length; k++)
        {
            vectors[k] = flat.Slice(k * result.Dimension, result.Dimension).ToArray();
        }

        return new PcaJobResult(start, result, vectors, clock.Elapsed.TotalSeconds);
    }
}
