using Microsoft.Extensions.Options;
using Orrery.Cluster.Metrics;
using Orrery.Silo;

// orrery-silo: configuration from appsettings.json, ORRERY_* environment variables
// (ORRERY_Cluster__Secret) and the command line (--secret, --port, --Cluster:ClusterId ...).
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
builder.Services.AddSingleton(_ => Orrery.Compute.ComputeDevices.Discover(settings.Silo.Device, settings.Compute));
builder.Services.AddSingleton<SiloService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloService>());
builder.Services.AddSingleton(sp => new PrometheusExporter(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Silo.ShutdownGracePeriod + TimeSpan.FromSeconds(15));
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Parse(settings.Silo.BindAddress), settings.Silo.HttpPort));

var app = builder.Build();

// The exporter listens from now on; measurements made before a listener exists are not seen.
app.Services.GetRequiredService<PrometheusExporter>();
app.MapGet("/healthz", (SiloService service) =>
    service.Silo is { Stopped.IsCompleted: false } ? Results.Text("ok\n") : Results.Text("stopped\n", statusCode: 503));
app.MapGet("/readyz", (SiloService service) =>
    service.Silo is { IsActive: true } ? Results.Text("ready\n") : Results.Text("not active in membership\n", statusCode: 503));
app.MapGet("/metrics", async (HttpContext context, PrometheusExporter exporter) =>
{
    context.Response.ContentType = PrometheusExporter.ContentType;
    await exporter.WriteToAsync(context.Response.Body, context.RequestAborted);
});

try
{
    await app.RunAsync();
}
catch (Exception e) when (e is Orrery.Cluster.Membership.MembershipException or Orrery.Compute.ComputeException or InvalidOperationException or IOException)
{
    Console.Error.WriteLine($"orrery-silo: {e.Message}");
    return 1;
}

return Environment.ExitCode;
