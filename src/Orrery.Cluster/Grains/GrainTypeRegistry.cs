using System.Collections.Frozen;
using System.Reflection;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Grains;

/// <summary>
/// The grain types a silo can host, found by scanning the assemblies the host registers: every
/// non-abstract <see cref="Grain"/> subclass, for each grain interface it implements.
/// </summary>
public sealed class GrainTypeRegistry
{
    private readonly FrozenDictionary<string, (GrainInterface Interface, Type Implementation)> _types;

    public GrainTypeRegistry(IEnumerable<Assembly> assemblies)
    {
        var types = new Dictionary<string, (GrainInterface, Type)>(StringComparer.Ordinal);
        foreach (var assembly in assemblies.Distinct())
        {
            foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)))
            {
                foreach (var contract in type.GetInterfaces().Where(i => i != typeof(IGrain) && typeof(IGrain).IsAssignableFrom(i)))
                {
                    var described = GrainInterface.Describe(contract);
                    if (types.TryGetValue(described.TypeName, out var existing) && existing.Item2 != type)
                    {
                        throw new InvalidOperationException(
                            $"grain type '{described.TypeName}' is implemented by both {existing.Item2.FullName} and {type.FullName}; one implementation per interface");
                    }

                    types[described.TypeName] = (described, type);
                }
            }
        }

        _types = types.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Wire names of every hosted grain type, sorted.</summary>
    public IReadOnlyList<string> TypeNames => [.. _types.Keys.Order(StringComparer.Ordinal)];

    public bool TryGet(string typeName, out GrainInterface grainInterface, out Type implementation)
    {
        if (_types.TryGetValue(typeName, out var found))
        {
            (grainInterface, implementation) = found;
            return true;
        }

        grainInterface = null!;
        implementation = null!;
        return false;
    }
}
