using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using Google.Protobuf;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Grains;

/// <summary>
/// A grain interface described for the wire: its type name, placement requirement and methods.
/// Described once per interface from reflection; every method is checked to have the shape
/// <c>Task&lt;TResponse&gt; M(TRequest, CancellationToken)</c> with protobuf messages.
/// </summary>
public sealed class GrainInterface
{
    private static readonly ConcurrentDictionary<Type, GrainInterface> Described = new();

    private GrainInterface(Type interfaceType, string typeName, PlacementRequirement requirement, FrozenDictionary<string, GrainMethod> methods)
    {
        InterfaceType = interfaceType;
        TypeName = typeName;
        Requirement = requirement;
        Methods = methods;
        ByMethodInfo = methods.Values.ToFrozenDictionary(m => m.Method);
    }

    public Type InterfaceType { get; }

    /// <summary>The wire name (from <see cref="GrainTypeAttribute"/>, else the interface's full name).</summary>
    public string TypeName { get; }

    public PlacementRequirement Requirement { get; }

    public FrozenDictionary<string, GrainMethod> Methods { get; }

    internal FrozenDictionary<MethodInfo, GrainMethod> ByMethodInfo { get; }

    /// <summary>Describes a grain interface; throws <see cref="ArgumentException"/> naming the first method of the wrong shape.</summary>
    public static GrainInterface Describe(Type interfaceType) => Described.GetOrAdd(interfaceType, Build);

    private static GrainInterface Build(Type type)
    {
        if (!type.IsInterface || !typeof(IGrain).IsAssignableFrom(type) || type == typeof(IGrain))
        {
            throw new ArgumentException($"{type.FullName} is not a grain interface: it must be an interface that extends IGrain");
        }

        var name = type.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? type.FullName!;
        var requirement = type.GetCustomAttribute<PlacementAttribute>()?.Requirement ?? PlacementRequirement.Any;
        var methods = new Dictionary<string, GrainMethod>(StringComparer.Ordinal);
        foreach (var method in type.GetMethods().Concat(type.GetInterfaces().Where(i => i != typeof(IGrain)).SelectMany(i => i.GetMethods())))
        {
            var described = DescribeMethod(type, method);
            if (!methods.TryAdd(described.Name, described))
            {
                throw new ArgumentException($"{type.FullName} has two methods named {method.Name}; grain methods are called by name and must not be overloaded");
            }
        }

        return new GrainInterface(type, name, requirement, methods.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static GrainMethod DescribeMethod(Type type, MethodInfo method)
    {
        var where = $"{type.FullName}.{method.Name}";
        var parameters = method.GetParameters();
        if (parameters.Length != 2 || parameters[1].ParameterType != typeof(CancellationToken) || !IsMessage(parameters[0].ParameterType))
        {
            throw new ArgumentException($"{where} must take (TRequest request, CancellationToken cancellationToken) where TRequest is a protobuf message");
        }

        if (!method.ReturnType.IsGenericType || method.ReturnType.GetGenericTypeDefinition() != typeof(Task<>) || !IsMessage(method.ReturnType.GetGenericArguments()[0]))
        {
            throw new ArgumentException($"{where} must return Task<TResponse> where TResponse is a protobuf message");
        }

        if (method.IsGenericMethod)
        {
            throw new ArgumentException($"{where} must not be generic");
        }

        var requestType = parameters[0].ParameterType;
        var borrows = method.GetCustomAttribute<BorrowsPayloadAttribute>() is not null;
        if (borrows && !typeof(IPayloadCarrier).IsAssignableFrom(requestType))
        {
            throw new ArgumentException($"{where} is marked [BorrowsPayload], but its request {requestType.Name} carries no payload (IPayloadCarrier)");
        }

        var responseType = method.ReturnType.GetGenericArguments()[0];
        var invoke = (Func<object, IMessage, CancellationToken, Task<IMessage>>)typeof(GrainInterface)
            .GetMethod(nameof(CreateInvoker), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(method.DeclaringType!, requestType, responseType)
            .Invoke(null, [method])!;
        var callRemote = (Func<IGrainCallInvoker, GrainReference, GrainMethod, IMessage, CancellationToken, object>)typeof(GrainInterface)
            .GetMethod(nameof(CreateRemoteCall), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(responseType)
            .Invoke(null, null)!;
        return new GrainMethod(
            method, ParserOf(requestType), ParserOf(responseType), method.GetCustomAttribute<AlwaysInterleaveAttribute>() is not null, borrows, invoke, callRemote);
    }

    private static bool IsMessage(Type type) => typeof(IMessage).IsAssignableFrom(type) && type.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static) is not null;

    private static MessageParser ParserOf(Type type) => (MessageParser)type.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static Func<object, IMessage, CancellationToken, Task<IMessage>> CreateInvoker<TGrain, TRequest, TResponse>(MethodInfo method)
        where TResponse : IMessage
    {
        var call = method.CreateDelegate<Func<TGrain, TRequest, CancellationToken, Task<TResponse>>>();
        return async (grain, request, cancellationToken) => await call((TGrain)grain, (TRequest)request, cancellationToken).ConfigureAwait(false);
    }

    private static Func<IGrainCallInvoker, GrainReference, GrainMethod, IMessage, CancellationToken, object> CreateRemoteCall<TResponse>()
        where TResponse : IMessage<TResponse> =>
        static (invoker, target, method, request, cancellationToken) => invoker.InvokeAsync<TResponse>(target, method, request, cancellationToken);
}
