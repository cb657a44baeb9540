using System.Reflection;
using Google.Protobuf;

namespace Orrery.Cluster.Grains;

/// <summary>One method of a grain interface: its wire name, message types and compiled invokers.</summary>
public sealed class GrainMethod
{
    internal GrainMethod(
        MethodInfo method, MessageParser requestParser, MessageParser responseParser, bool interleave, bool borrowsPayload,
        Func<object, IMessage, CancellationToken, Task<IMessage>> invoke, Func<IGrainCallInvoker, GrainReference, GrainMethod, IMessage, CancellationToken, object> callRemote)
    {
        Method = method;
        Name = method.Name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
        Interleave = interleave;
        BorrowsPayload = borrowsPayload;
        Invoke = invoke;
        CallRemote = callRemote;
    }

    /// <summary>The wire name: the C# method name.</summary>
    public string Name { get; }

    public MethodInfo Method { get; }

    public MessageParser RequestParser { get; }

    public MessageParser ResponseParser { get; }

    /// <summary>True when the method is marked <c>[AlwaysInterleave]</c>.</summary>
    public bool Interleave { get; }

    /// <summary>True when the method is marked <c>[BorrowsPayload]</c>: its request payload may arrive in pooled memory.</summary>
    public bool BorrowsPayload { get; }

    /// <summary>Calls the method on a grain instance (silo side).</summary>
    internal Func<object, IMessage, CancellationToken, Task<IMessage>> Invoke { get; }

    /// <summary>Starts a call through an invoker and returns the typed <c>Task&lt;TResponse&gt;</c> (proxy side).</summary>
    internal Func<IGrainCallInvoker, GrainReference, GrainMethod, IMessage, CancellationToken, object> CallRemote { get; }
}
