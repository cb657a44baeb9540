using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Orrery.Compute.Kernels;

namespace Orrery.Compute.Cpu;

/// <summary>The CPU twins a <see cref="CpuDevice"/> runs, by kernel name. Thread-safe.</summary>
public sealed class CpuKernelRegistry
{
    private readonly ConcurrentDictionary<KernelName, CpuKernel> _kernels = new();

    /// <summary>A registry holding the twins of the kernels that ship with Orrery.Compute (<c>kernels/check.cu</c>).</summary>
    public static CpuKernelRegistry CreateDefault()
    {
        var registry = new CpuKernelRegistry();
        CheckKernels.Register(registry);
        return registry;
    }

    /// <summary>Names of the registered twins.</summary>
    public IReadOnlyCollection<KernelName> Names => [.. _kernels.Keys];

    /// <summary>Registers the twin of <paramref name="name"/>; a name can be registered once.</summary>
    public void Register(KernelName name, CpuKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (!_kernels.TryAdd(name, kernel))
        {
            throw new ArgumentException($"a CPU twin for {name} is already registered", nameof(name));
        }
    }

    public bool TryGet(KernelName name, [NotNullWhen(true)] out CpuKernel? kernel) => _kernels.TryGetValue(name, out kernel);
}
