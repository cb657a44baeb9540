using System.Diagnostics.CodeAnalysis;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>Maps between wire statuses and typed exceptions; throws go through here.</summary>
public static class CallErrors
{
    /// <summary>The exception a caller sees for a non-OK status.</summary>
    public static Exception FromStatus(CallStatus status, string message) => status switch
    {
        CallStatus.BadRequest => new BadRequestException(message),
        CallStatus.PayloadTooLarge => new PayloadTooLargeException(message),
        CallStatus.Timeout => new GrainCallTimeoutException(message),
        CallStatus.SiloUnavailable => new SiloUnavailableException(message),
        CallStatus.Unauthorized => new ClusterUnauthorizedException(message),
        CallStatus.Cancelled => new OperationCanceledException(message),
        _ => new BadRequestException($"unexpected call status {status}: {message}"),
    };

    /// <summary>The wire status and message for an exception raised while serving a request (one the server did not type: a bad request).</summary>
    public static (CallStatus Status, string Message) ToStatus(Exception exception) => exception switch
    {
        OrreryCallException typed => (typed.Status, typed.Message),
        OperationCanceledException => (CallStatus.Cancelled, exception.Message),
        _ => (CallStatus.BadRequest, $"{exception.GetType().FullName}: {exception.Message}"),
    };

    [DoesNotReturn]
    public static void ThrowSiloUnavailable(string message, Exception? inner = null) =>
        throw new SiloUnavailableException(message, inner);

    [DoesNotReturn]
    public static void ThrowPayloadTooLarge(string message) => throw new PayloadTooLargeException(message);

    [DoesNotReturn]
    public static void ThrowBadRequest(string message, Exception? inner = null) =>
        throw new BadRequestException(message, inner);
}
