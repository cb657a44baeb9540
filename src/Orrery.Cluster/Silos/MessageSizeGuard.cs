using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Orleans;
using Orleans.Serialization.Invocation;
using Orrery.Contracts.Cluster;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Refuses, where it starts, a grain call whose arguments or result would certainly exceed Orleans's
/// <c>MaxMessageBodySize</c>. Orleans 10.4.2 checks the size only while it writes the message to the connection, then
/// closes the connection without telling the caller, who waits out the whole response timeout (and may see a misleading
/// <c>SiloUnavailableException</c>). The guard estimates a lower bound of the serialized size (arrays of fixed-size
/// elements at their size, integer arrays at one byte per element, strings at one byte per character, the members of
/// serializable objects, lists and dictionaries summed, five levels deep) and throws <see cref="MessageTooLargeException"/>
/// naming the limit when the bound is over it: no false refusals; a message just over the limit that the bound misses
/// still meets Orleans's own behaviour.
/// </summary>
public sealed class MessageSizeGuard(int maxBodyBytes) : IOutgoingGrainCallFilter, IIncomingGrainCallFilter
{
    private const int MaxDepth = 5;
    private static readonly ConcurrentDictionary<Type, Func<object, object?>[]> Members = new();

    /// <summary>The limit the guard enforces (MessagingOptions.MaxMessageBodySize of the silo or client).</summary>
    public int MaxBodyBytes { get; } = maxBodyBytes;

    /// <inheritdoc />
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Check(context.Request, "request", context.InterfaceName, context.MethodName);
        return context.Invoke();
    }

    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Invoke();
        var size = Estimate(context.Result, 0);
        if (size > MaxBodyBytes)
        {
            throw TooLarge("result", context.InterfaceName, context.MethodName, size);
        }
    }

    /// <summary>A lower bound of the serialized size of <paramref name="value"/> in bytes.</summary>
    public static long Estimate(object? value, int depth = 0)
    {
        switch (value)
        {
            case null:
                return 0;
            case string text:
                return text.Length;
            case byte[] bytes:
                return bytes.LongLength;
            case ReadOnlyMemory<byte> memory:
                return memory.Length;
            case Memory<byte> memory:
                return memory.Length;
            case Array array:
                return EstimateArray(array, depth);
        }

        if (depth >= MaxDepth || value.GetType().IsPrimitive || value is decimal or DateTime or TimeSpan or Guid or Enum)
        {
            return 0;
        }

        if (value is IEnumerable items and (ICollection or IDictionary))
        {
            long total = 0;
            foreach (var item in items)
            {
                total += Estimate(item, depth + 1);
            }

            return total;
        }

        if (value is IInvokable invokable)
        {
            long total = 0;
            for (var i = 0; i < invokable.GetArgumentCount(); i++)
            {
                total += Estimate(invokable.GetArgument(i), depth + 1);
            }

            return total;
        }

        long sum = 0;
        foreach (var get in Members.GetOrAdd(value.GetType(), MembersOf))
        {
            sum += Estimate(get(value), depth + 1);
        }

        return sum;
    }

    private void Check(IInvokable request, string what, string interfaceName, string methodName)
    {
        var size = Estimate(request, 0);
        if (size > MaxBodyBytes)
        {
            throw TooLarge(what, interfaceName, methodName, size);
        }
    }

    private MessageTooLargeException TooLarge(string what, string interfaceName, string methodName, long size) =>
        new($"the {what} of {interfaceName}.{methodName} is at least {size:N0} bytes, over Orleans's MaxMessageBodySize of {MaxBodyBytes:N0} bytes " +
            "(Messaging:MaxMessageBodySize); send large arrays by reference over the tensor channel (TensorChannel.Put and a TensorRef)");

    private static long EstimateArray(Array array, int depth)
    {
        var element = array.GetType().GetElementType()!;
        if (element == typeof(float))
        {
            return 4L * array.LongLength;
        }

        if (element == typeof(double))
        {
            return 8L * array.LongLength;
        }

        if (element.IsPrimitive || element.IsEnum)
        {
            // Integers may be written as variable-length integers: at least one byte each.
            return array.LongLength;
        }

        long total = 0;
        foreach (var item in array)
        {
            total += Estimate(item, depth + 1);
        }

        return total;
    }

    private static bool IsKeyValuePair(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>);

    /// <summary>
    /// The getters of the fields of <paramref name="type"/> that can hold something sizable, worked out once per type;
    /// none for a type that is neither a serializable Orleans type nor a key-value pair (it is not looked into).
    /// </summary>
    private static Func<object, object?>[] MembersOf(Type type)
    {
        if (type.GetCustomAttribute<GenerateSerializerAttribute>() is null && !IsKeyValuePair(type))
        {
            return [];
        }

        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var fields = type.GetFields(flags).Where(f => !f.FieldType.IsPrimitive && !f.FieldType.IsEnum).Select(f => (Func<object, object?>)f.GetValue);
        return [.. fields];
    }
}
