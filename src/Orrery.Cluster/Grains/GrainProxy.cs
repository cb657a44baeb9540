using System.Reflection;
using Google.Protobuf;

namespace Orrery.Cluster.Grains;

/// <summary>
/// The typed reference behind <c>GetGrain&lt;T&gt;</c>: a <see cref="DispatchProxy"/> that turns an
/// interface call into a routed grain call. Method lookup is a frozen-dictionary hit; no strings
/// are built per call.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private GrainReference? _target;
    private IGrainCallInvoker? _invoker;

    /// <summary>What this reference points at.</summary>
    public GrainReference Target => _target ?? throw new InvalidOperationException("grain proxy used before it was bound");

    internal static T Create<T>(GrainReference target, IGrainCallInvoker invoker)
        where T : class
    {
        var proxy = Create<T, GrainProxy>();
        var bound = (GrainProxy)(object)proxy;
        bound._target = target;
        bound._invoker = invoker;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var target = Target;
        if (!target.Interface.ByMethodInfo.TryGetValue(targetMethod, out var method))
        {
            throw new NotSupportedException($"{targetMethod.Name} is not a grain method of {target.Interface.TypeName}");
        }

        var request = args![0] as IMessage ?? throw new ArgumentNullException(method.Method.GetParameters()[0].Name, $"{target.Interface.TypeName}.{method.Name} needs a request message");
        var cancellationToken = args[1] is CancellationToken token ? token : CancellationToken.None;
        return method.CallRemote(_invoker!, target, method, request, cancellationToken);
    }
}
