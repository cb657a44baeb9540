using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orrery.Cluster.Silos;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// The <c>orleans-silo</c> mode: one Orleans silo on loopback with Orrery's tensor channel, the benchmark grains and
/// localhost clustering (the first silo is the primary; no Redis). Arguments:
/// <c>--name N --silo-port P --gateway-port G --primary-port P0 --max-body-mib M</c>; the channel's secret comes in
/// the environment as <c>Tensors__Secret</c> (not on the command line, where <c>ps</c> shows it). Prints
/// <c>ready SILOADDRESS</c> once started; stops when stdin closes.
/// </summary>
internal static class OrleansSiloHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var name = Argument(args, "--name");
        var siloPort = int.Parse(Argument(args, "--silo-port"), CultureInfo.InvariantCulture);
        var gatewayPort = int.Parse(Argument(args, "--gateway-port"), CultureInfo.InvariantCulture);
        var primaryPort = int.Parse(Argument(args, "--primary-port"), CultureInfo.InvariantCulture);
        var maxBodyBytes = int.Parse(Argument(args, "--max-body-mib"), CultureInfo.InvariantCulture) << 20;

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Stdout carries the ready line the benchmark waits for; logs go to stderr (the child's log file).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort), OrleansTensorBenchmark.ServiceId, OrleansTensorBenchmark.ClusterId);
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.Configure<SiloMessagingOptions>(o =>
            {
                // Orleans refuses bodies over 100 MiB by default; the message way carries up to 256 MiB.
                o.MaxMessageBodySize = maxBodyBytes;
                o.ResponseTimeout = OrleansTensorBenchmark.CallTimeout;
            });
            silo.AddTensorChannel(o =>
            {
                o.ClusterId = OrleansTensorBenchmark.ClusterId;
                o.BindAddress = "127.0.0.1";
                o.Port = 0;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        var address = ((ILocalSiloDetails)host.Services.GetService(typeof(ILocalSiloDetails))!).SiloAddress;
        Console.WriteLine($"ready {address.ToParsableString()}");
        await Console.In.ReadToEndAsync();
        await host.StopAsync();
        return 0;
    }

    private static string Argument(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : throw new ArgumentException($"orleans-silo needs {name}");
    }
}
