using Microsoft.Extensions.Options;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Silos;
using Orrery.Silo;

// orrery-silo: an Orleans silo with Orrery's placement, tensor channel and workloads. Configuration from
// appsettings.json, ORRERY_* environment variables (ORRERY_Cluster__Secret) and the command line (--secret, --port,
// --Cluster:ClusterId ...).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("ORRERY_");
builder.Configuration.AddCommandLine(args, SiloSettings.Switches);

SiloSettings settings;
try
{
    settings = SiloSettings.Load(builder.Configuration);
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"orrery-silo: configuration error: {string.Join("; ", e.Failures)}");
    return 2;
}

builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
builder.Services.AddSingleton(settings);

// A machine without a usable GPU gets the CPU and a note saying why; Silo:Device=cuda:N that cannot be
// had stops the start with the reason. Grains that compute take the devices by constructor injection.
Orrery.Compute.DeviceDiscovery devices;
try
{
    devices = Orrery.Compute.ComputeDevices.Discover(settings.Silo.Device, settings.Compute);
}
catch (Orrery.Compute.ComputeException e)
{
    Console.Error.WriteLine($"orrery-silo: {e.Message}");
    return 1;
}

builder.Services.AddSingleton(devices);

// /metrics: one prometheus-net registry with the process collectors, Orleans's meter and every Orrery.* meter. It listens
// from now on; measurements made before a listener exists are not seen.
using var metrics = PrometheusMeterBridge.WithProcessMetrics();

// The Orleans silo: the cluster id, name and addresses of the settings, its own silo and gateway ports, Redis or
// development clustering, every workload's services.
var bind = settings.Silo.BindAddress;
var advertised = AdvertisedAddress.Resolve(settings.Silo.AdvertisedAddress, bind);
var name = settings.Silo.Name.Length > 0 ? settings.Silo.Name : $"{advertised}:{settings.Orleans.SiloPort}";
var redis = settings.Membership.Table == "redis" ? settings.Membership.Redis.ConnectionString : null;
// Mutual TLS when the three certificate settings are given: only members of the cluster's authority may join.
(System.Security.Cryptography.X509Certificates.X509Certificate2 Member, System.Security.Cryptography.X509Certificates.X509Certificate2 Authority)? tls = null;
try
{
    tls = Orrery.Cluster.Security.ClusterTlsFiles.FromSettings(settings.Orleans.TlsCertificate, settings.Orleans.TlsKey, settings.Orleans.TlsAuthority)?.Load();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"orrery-silo: configuration error: {e.Message}");
    return 2;
}

if (settings.Silo.KubernetesHosting
    && new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID" }.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList() is { Count: > 0 } unset)
{
    Console.Error.WriteLine($"orrery-silo: configuration error: Silo:KubernetesHosting is true but the environment variable(s) {string.Join(", ", unset)} are not set (the pod's downward API sets them; see helm/README.md)");
    return 2;
}

try
{
    ListenPorts.EnsureFree(bind, settings.Orleans.SiloPort, "OrleansSilo:SiloPort");
    ListenPorts.EnsureFree(bind, settings.Orleans.GatewayPort, "OrleansSilo:GatewayPort");
    if (settings.Silo.DashboardPort != 0)
    {
        ListenPorts.EnsureFree(bind, settings.Silo.DashboardPort, "Silo:DashboardPort");
    }

    // The tensor channel binds its own port without SO_REUSEPORT (it would let a second silo share the port and
    // take half its connections); a fixed port in use stops the silo here with the setting's name.
    if (builder.Configuration.GetValue<int?>("Tensors:Port") is int tensorPort and not 0)
    {
        ListenPorts.EnsureFree(builder.Configuration["Tensors:BindAddress"] ?? bind, tensorPort, "Tensors:Port");
    }
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"orrery-silo: {e.Message}");
    return 1;
}

builder.UseOrleans(silo =>
{
    silo.UseOrreryClustering(new OrleansSiloIdentity(settings.Cluster.ClusterId, name, bind, advertised, redis), settings.Orleans);
    if (tls is { } identity)
    {
        Orrery.Cluster.Security.OrreryTlsExtensions.UseClusterTls(silo, identity.Member, identity.Authority);
    }

    if (settings.Silo.KubernetesHosting)
    {
        // After Orrery's clustering: pod name and IP as silo name and address, and silo-to-pod cleanup.
        Orleans.Hosting.KubernetesHostingExtensions.UseKubernetesHosting(silo);
    }

    silo.AddOrreryMetrics();
    silo.AddOrreryPlacement(devices.Gpus.Count, Environment.ProcessorCount, [.. devices.Gpus.Select(g => g.Ordinal)]);
    silo.AddTensorChannel(o =>
    {
        // The channel follows the silo's cluster, secret and addresses unless the Tensors section says otherwise.
        o.ClusterId = builder.Configuration["Tensors:ClusterId"] ?? settings.Cluster.ClusterId;
        o.Secret ??= settings.Cluster.Secret;
        o.BindAddress = builder.Configuration["Tensors:BindAddress"] ?? bind;
        o.AdvertisedAddress ??= advertised;
    });
    foreach (var workload in Orrery.Workloads.Workloads.All)
    {
        workload.ConfigureSilo(silo);
    }

    if (settings.Silo.DashboardPort != 0)
    {
        // Method profiling only while someone looks (the dashboard's default): no cost to calls otherwise.
        Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo, o => o.HideTrace = true);
    }
});

builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Silo.ShutdownGracePeriod + TimeSpan.FromSeconds(15));
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(System.Net.IPAddress.Parse(settings.Silo.BindAddress), settings.Silo.HttpPort);
    if (settings.Silo.DashboardPort != 0)
    {
        k.Listen(System.Net.IPAddress.Parse(settings.Silo.BindAddress), settings.Silo.DashboardPort);
    }
});

var app = builder.Build();

// A stop must end the process. Orleans 10.4.2's shutdown retries its membership writes past the host's timeout when
// the table is gone (Redis restarted empty: the watchdog's exit code 4), so the host enforces a deadline of its own:
// a few seconds after a watchdog stop, the host's shutdown timeout plus 10 s after any other.
app.Lifetime.ApplicationStopping.Register(() =>
{
    var lost = Environment.ExitCode == MembershipRowWatchdog.ExitCode;
    var deadline = lost ? TimeSpan.FromSeconds(5) : settings.Silo.ShutdownGracePeriod + TimeSpan.FromSeconds(25);
    _ = Task.Delay(deadline).ContinueWith(
        _ =>
        {
            Console.Error.WriteLine($"orrery-silo: shutdown did not finish within {deadline.TotalSeconds}s; exiting");
            Environment.Exit(Environment.ExitCode == 0 ? 1 : Environment.ExitCode);
        },
        TaskScheduler.Default);
});

// Every workload's and the compute layer's instruments exist from the start, the counters at 0, so /metrics has each
// name the dashboard and alerts query before the first job (GPU gauges: GPU silos only).
var meterFactory = app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
Orrery.Compute.ComputeMetrics.Observe(meterFactory, devices);
foreach (var workload in Orrery.Workloads.Workloads.All)
{
    workload.CreateSiloMeters(meterFactory, devices);
}

var startLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orrery.Silo");
app.Lifetime.ApplicationStarted.Register(() =>
    SiloLog.Started(startLog, name, settings.Orleans.SiloPort, settings.Orleans.GatewayPort, settings.Silo.HttpPort, settings.Cluster.ClusterId));
app.Lifetime.ApplicationStopping.Register(() => SiloLog.Stopping(startLog, name, Environment.ExitCode));
app.Lifetime.ApplicationStopped.Register(() => SiloLog.Stopped(startLog, name));
SiloLog.Devices(startLog, devices.Note);
if (devices.Cpu.GemmFallbackNotice is { } gemmNotice)
{
    SiloLog.GemmFallback(startLog, gemmNotice);
}

// Healthy while the host runs (SIGTERM or a lost membership row stops it); ready once Active in Orleans membership.
app.MapGet("/healthz", () =>
    app.Lifetime.ApplicationStopping.IsCancellationRequested ? Results.Text("stopping\n", statusCode: 503) : Results.Text("ok\n"));
app.MapGet("/readyz", () =>
    OrleansSiloStatus.IsActive(app.Services) ? Results.Text("ready\n") : Results.Text("not active in Orleans membership\n", statusCode: 503));
app.MapGet("/metrics", async (HttpContext context) =>
{
    context.Response.ContentType = PrometheusMeterBridge.ContentType;
    await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
});

if (settings.Silo.DashboardPort != 0)
{
    // On its own port only, so a Service (or a firewall) can expose it apart from the probes and /metrics.
    Orleans.Dashboard.ServiceCollectionExtensions.MapOrleansDashboard(app).RequireHost($"*:{settings.Silo.DashboardPort}");
}

// Redis membership: wait for Redis (a silo often starts before it in Kubernetes) with a log line per try, up to
// Membership:Redis:StartupWait, instead of failing inside Orleans's start.
if (redis is not null)
{
    try
    {
        await RedisStartupWait.WaitAsync(redis, settings.Membership.Redis.StartupWait, startLog);
    }
    catch (TimeoutException e)
    {
        Console.Error.WriteLine($"orrery-silo: {e.Message}");
        return 1;
    }
}

try
{
    await app.RunAsync();
}
catch (Exception e) when (e is Orleans.Runtime.OrleansException or Orrery.Compute.ComputeException or InvalidOperationException or IOException)
{
    Console.Error.WriteLine($"orrery-silo: {e.Message}");
    return 1;
}

return Environment.ExitCode;
