using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Tests.Metrics;

/// <summary>
/// One silo's metrics as a test sees them: its own DI container with <c>AddMetrics()</c>, the
/// container's <see cref="IMeterFactory"/>, and an exporter scoped to that factory.
/// </summary>
internal sealed class SiloMeters : IDisposable
{
    private readonly ServiceProvider _services;

    public SiloMeters(PrometheusExporterOptions? options = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory = _services.GetRequiredService<IMeterFactory>();
        Exporter = new PrometheusExporter(Factory, options ?? new PrometheusExporterOptions { IncludeProcessMetrics = false });
    }

    public IMeterFactory Factory { get; }

    public PrometheusExporter Exporter { get; }

    public Meter CreateMeter(string name = "Orrery.Test") => Factory.Create(name);

    /// <summary>Expected exposition text: the lines, each ended by a newline.</summary>
    public static string Text(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>The sample lines (not comments) of one family, histogram suffixes included.</summary>
    public string[] Samples(string family) =>
        [.. Exporter.Collect().Split('\n').Where(l => l.StartsWith(family, StringComparison.Ordinal) && !l.StartsWith('#'))];

    /// <summary>Disposes the silo's container (and with it its meters), as silo shutdown does.</summary>
    public void StopSilo() => _services.Dispose();

    public void Dispose()
    {
        Exporter.Dispose();
        _services.Dispose();
    }
}
