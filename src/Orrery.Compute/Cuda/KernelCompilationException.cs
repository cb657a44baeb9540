namespace Orrery.Compute.Cuda;

/// <summary>NVRTC rejected a kernel source; <see cref="Log"/> holds the compiler's messages with file and line.</summary>
public sealed class KernelCompilationException : CudaException
{
    public KernelCompilationException(string module, string target, int code, string errorName, string log)
        : base("NVRTC", "nvrtcCompileProgram", code, errorName, null, $"compiling {module} for {target}:{Environment.NewLine}{log.TrimEnd()}")
    {
        Module = module;
        Target = target;
        Log = log;
    }

    /// <summary>The source file that failed ("check.cu").</summary>
    public string Module { get; }

    /// <summary>The architecture it was compiled for ("sm_90").</summary>
    public string Target { get; }

    /// <summary>NVRTC's program log.</summary>
    public string Log { get; }
}
