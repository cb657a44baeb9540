namespace Orrery.Compute;

/// <summary>
/// A kernel by name: the source file under <c>kernels/</c> without its extension (the module, "check")
/// and the <c>extern "C" __global__</c> function in it ("vector_add"). CPU twins are registered under the
/// same name.
/// </summary>
public readonly record struct KernelName
{
    public KernelName(string module, string function)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(function);
        if (module.Contains('/') || module.Contains('\\') || module.EndsWith(".cu", StringComparison.Ordinal))
        {
            throw new ArgumentException($"kernel module '{module}' must be a file name under kernels/ without '.cu' (for example 'check')", nameof(module));
        }

        Module = module;
        Function = function;
    }

    /// <summary>The source file's name without ".cu".</summary>
    public string Module { get; }

    /// <summary>The kernel function's (unmangled) name.</summary>
    public string Function { get; }

    /// <summary>"check.cu:vector_add".</summary>
    public override string ToString() => $"{Module}.cu:{Function}";
}
