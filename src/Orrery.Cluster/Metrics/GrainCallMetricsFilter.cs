using System.Diagnostics;
using Orleans;

namespace Orrery.Cluster.Metrics;

/// <summary>Times every grain call the silo serves into <see cref="SiloMetrics"/> (two timestamps and one histogram record a call).</summary>
public sealed class GrainCallMetricsFilter(SiloMetrics metrics) : IIncomingGrainCallFilter
{
    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = Stopwatch.GetTimestamp();
        var ok = false;
        try
        {
            await context.Invoke();
            ok = true;
        }
        finally
        {
            metrics.CallServed(context.TargetId.Type, context.MethodName, ok, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }
}
