using System.Diagnostics.Metrics;
using System.Reflection;
using Orrery.Cluster.Hosting;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Membership.Redis;
using Orrery.Compute;

namespace Orrery.Silo;

/// <summary>Runs the <see cref="Cluster.Hosting.Silo"/> inside the ASP.NET Core host: start, graceful stop on SIGTERM, exit when declared dead.</summary>
internal sealed partial class SiloService(
    SiloSettings settings, DeviceDiscovery devices, IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<SiloService> logger)
    : IHostedService, IAsyncDisposable
{
    private Cluster.Hosting.Silo? _silo;
    private IAsyncDisposable? _tableConnection;

    public Cluster.Hosting.Silo? Silo => _silo;

    /// <summary>
    /// The devices this silo computes on (GPUs per Silo:Device, and the CPU). The container owns them (a
    /// singleton, discovered once per process), and grains get them by constructor injection.
    /// </summary>
    public DeviceDiscovery Devices => devices;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IMembershipTable table;
        if (settings.Membership.Table == "redis")
        {
            var redis = await RedisMembershipTable.ConnectAsync(settings.Redis, cancellationToken);
            _tableConnection = redis;
            table = redis;
        }
        else
        {
            table = new InMemoryMembershipTable();
        }

        LogDevices(devices.Note);
        if (devices.Cpu.GemmFallbackNotice is { } gemmNotice)
        {
            LogGemmFallback(gemmNotice);
        }

        // Every workload's and the compute layer's instruments exist from the start, the counters at 0, so
        // /metrics has each name the dashboard and alerts query before the first job (GPU gauges: GPU silos only).
        var meterFactory = MeterFactory(services);
        ComputeMetrics.Observe(meterFactory, devices);
        Orrery.MetricGraphs.Grains.SamplingMetrics.CreateForSilo(meterFactory, devices);
        Orrery.Pca.Grains.PcaSiloMetrics.CreateForSilo(meterFactory);
        var capabilities = new SiloCapabilities
        {
            CpuCores = Environment.ProcessorCount,
            MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            DeviceNote = devices.Note,
        };
        capabilities.Gpus.AddRange(devices.Gpus.Select(gpu => new GpuInfo
        {
            Index = gpu.Ordinal,
            Model = gpu.Model,
            MemoryBytes = gpu.MemoryBytes,
            Multiprocessors = gpu.Multiprocessors,
        }));
        Assembly[] grainAssemblies = [typeof(Orrery.Diagnostics.DiagnosticsAssembly).Assembly, Orrery.MetricGraphs.Grains.MetricGraphsAssembly.Assembly];
        _silo = new Cluster.Hosting.Silo(settings.Cluster, settings.Silo, settings.Membership, table, services, grainAssemblies, capabilities);
        await _silo.StartAsync(cancellationToken);
        _ = _silo.Stopped.ContinueWith(
            t =>
            {
                if (!lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    // Declared dead by the cluster: a stale process must not keep serving.
                    LogStoppedByCluster(t.Result);
                    Environment.ExitCode = 3;
                    lifetime.StopApplication();
                }
            },
            TaskScheduler.Default);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_silo is not null)
        {
            await _silo.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_tableConnection is not null)
        {
            await _tableConnection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Devices: {Note}")]
    private partial void LogDevices(string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Notice}")]
    private partial void LogGemmFallback(string notice);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}; exiting")]
    private partial void LogStoppedByCluster(string reason);

    /// <summary>The meter factory the exporter reads; the silo's meters are created from it.</summary>
    public static IMeterFactory MeterFactory(IServiceProvider services) => services.GetRequiredService<IMeterFactory>();
}
