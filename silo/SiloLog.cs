using Orrery.Cluster.Silos;

namespace Orrery.Silo;

/// <summary>The silo process's own log events (ids in <see cref="OrreryLogEvents"/>).</summary>
internal static partial class SiloLog
{
    [LoggerMessage(EventId = OrreryLogEvents.SiloStarted, Level = LogLevel.Information,
        Message = "Silo {Name} started: Orleans silo port {SiloPort}, gateway port {GatewayPort}, HTTP port {HttpPort}, cluster {ClusterId}")]
    public static partial void Started(ILogger logger, string name, int siloPort, int gatewayPort, int httpPort, string clusterId);

    [LoggerMessage(EventId = OrreryLogEvents.SiloStopping, Level = LogLevel.Information, Message = "Silo {Name} stopping (exit code {ExitCode})")]
    public static partial void Stopping(ILogger logger, string name, int exitCode);

    [LoggerMessage(EventId = OrreryLogEvents.SiloDevices, Level = LogLevel.Information, Message = "Devices: {Note}")]
    public static partial void Devices(ILogger logger, string note);

    [LoggerMessage(EventId = OrreryLogEvents.SiloGemmFallback, Level = LogLevel.Warning, Message = "{Notice}")]
    public static partial void GemmFallback(ILogger logger, string notice);

    [LoggerMessage(EventId = OrreryLogEvents.SiloStopped, Level = LogLevel.Information, Message = "Silo {Name} stopped")]
    public static partial void Stopped(ILogger logger, string name);
}
