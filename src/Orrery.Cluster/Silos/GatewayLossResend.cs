using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orrery.Contracts.Cluster;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Resends the in-flight calls of <see cref="ResendOnGatewayLossAttribute"/> methods when the client loses a gateway
/// connection. Orleans reports a closed gateway connection at once (the connected-gateway count drops), but it does not
/// say which calls went through that gateway, and it neither fails nor resends them. So every marked call in flight at
/// that moment is cancelled (through the CancellationToken argument, which Orleans's client completes at once) and sent
/// again, through a gateway that is still connected; calls that went through a healthy gateway run twice, which their
/// mark says is harmless. A call is resent at most <see cref="MaxResends"/> times; the caller's own token and deadline
/// keep their meaning.
/// </summary>
public sealed partial class GatewayLossResend(ILogger<GatewayLossResend> logger) : IOutgoingGrainCallFilter
{
    /// <summary>The most times one call is sent again.</summary>
    public const int MaxResends = 3;

    private static readonly ConcurrentDictionary<MethodInfo, int> TokenArgument = new();
    private CancellationTokenSource _lost = new();
    private long _resent;

    /// <summary>Calls sent again so far.</summary>
    public long Resent => Interlocked.Read(ref _resent);

    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var index = context.InterfaceMethod is { } method ? TokenArgument.GetOrAdd(method, FindTokenArgument) : -1;
        if (index < 0)
        {
            await context.Invoke();
            return;
        }

        var caller = (CancellationToken)context.Request.GetArgument(index)!;
        for (var attempt = 0; ; attempt++)
        {
            var lost = Volatile.Read(ref _lost).Token;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(caller, lost);
            context.Request.SetArgument(index, either.Token);
            try
            {
                await context.Invoke();
                return;
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested && !caller.IsCancellationRequested && attempt < MaxResends)
            {
                Interlocked.Increment(ref _resent);
                LogResend(logger, context.InterfaceName, context.MethodName, attempt + 1);
            }
            finally
            {
                context.Request.SetArgument(index, caller);
            }
        }
    }

    /// <summary>Called when the number of connected gateways changes; a drop cancels (and so resends) the marked calls in flight.</summary>
    public void OnGatewayCountChanged(object? sender, GatewayCountChangedEventArgs change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.NumberOfConnectedGateways < change.PreviousNumberOfConnectedGateways)
        {
            LogGatewayLost(logger, change.PreviousNumberOfConnectedGateways, change.NumberOfConnectedGateways);
            Interlocked.Exchange(ref _lost, new CancellationTokenSource()).Cancel();
        }
    }

    private static int FindTokenArgument(MethodInfo method)
    {
        if (method.GetCustomAttribute<ResendOnGatewayLossAttribute>() is null)
        {
            return -1;
        }

        var parameters = method.GetParameters();
        var index = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));
        return index >= 0
            ? index
            : throw new InvalidOperationException($"{method.DeclaringType?.Name}.{method.Name} is marked [ResendOnGatewayLoss] but takes no CancellationToken to cancel it with");
    }

    [LoggerMessage(EventId = OrreryLogEvents.GatewayLost, Level = LogLevel.Information, Message = "A gateway connection closed ({Before} -> {After} connected): resending the marked calls in flight")]
    private static partial void LogGatewayLost(ILogger logger, int before, int after);

    [LoggerMessage(EventId = OrreryLogEvents.GatewayCallResent, Level = LogLevel.Debug, Message = "Resending {Interface}.{Method} after a gateway loss (resend {Attempt})")]
    private static partial void LogResend(ILogger logger, string @interface, string method, int attempt);
}

/// <summary>Registers <see cref="GatewayLossResend"/> on an Orleans client.</summary>
public static class GatewayLossResendExtensions
{
    /// <summary>Resends calls of <see cref="ResendOnGatewayLossAttribute"/> methods when a gateway connection is lost.</summary>
    public static IClientBuilder AddGatewayLossResend(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Services.AddSingleton<GatewayLossResend>();
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(services => services.GetRequiredService<GatewayLossResend>());
        client.AddGatewayCountChangedHandler(services => services.GetRequiredService<GatewayLossResend>().OnGatewayCountChanged);
        return client;
    }
}
