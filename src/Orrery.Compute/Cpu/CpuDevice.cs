using System.Diagnostics;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cpu;

/// <summary>
/// The host as a compute device: buffers in native memory, kernels run by their registered CPU twins on
/// all cores, GEMM by OpenBLAS, or by Orrery's managed kernel (<see cref="ManagedGemm"/>) where OpenBLAS is
/// not installed. Work runs synchronously on the calling thread (twins and both GEMMs fan out to the cores
/// themselves), so <see cref="Synchronize"/> has nothing to wait for.
/// </summary>
public sealed unsafe class CpuDevice : IComputeDevice
{
    /// <summary>
    /// One GEMM at a time in this process, OpenBLAS or managed. Each call already fans out to every core, so two at once
    /// (several PCA shards, or several embedded silos, in one process) only over-subscribe the cores: on the
    /// 2-core build machine two concurrent shard products took 65 to 83 ms each against 25 to 30 ms one after
    /// the other (bench/results/pca.md, section 4).
    /// </summary>
    private static readonly Lock GemmGate = new();

    private readonly CpuKernelRegistry _kernels;
    private readonly NativeLibraryProbe _openBlas;
    private bool _disposed;

    /// <summary>A CPU device running the twins in <paramref name="kernels"/> (default: <see cref="CpuKernelRegistry.CreateDefault"/>).</summary>
    public CpuDevice(CpuKernelRegistry? kernels = null)
        : this(kernels, NativeLibraries.OpenBlas)
    {
    }

    /// <summary>
    /// A CPU device that asks <paramref name="openBlas"/> whether OpenBLAS is there (tests and benchmarks pass a
    /// probe with OpenBLAS hidden). When it says yes, the calls go to the process's <see cref="NativeLibraries.OpenBlas"/>.
    /// </summary>
    internal CpuDevice(CpuKernelRegistry? kernels, NativeLibraryProbe openBlas)
    {
        _kernels = kernels ?? CpuKernelRegistry.CreateDefault();
        _openBlas = openBlas;
        Model = ReadCpuModel();
        MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Multiprocessors = Environment.ProcessorCount;
        if (_openBlas.IsAvailable)
        {
            OpenBlasThreads.ApplyOnce(_openBlas.Handle);
        }
    }

    public string Name => "cpu";

    public DeviceKind Kind => DeviceKind.Cpu;

    public int Ordinal => 0;

    public string Model { get; }

    public long MemoryBytes { get; }

    /// <summary>Logical cores available to this process.</summary>
    public int Multiprocessors { get; }

    /// <summary>True when OpenBLAS loaded and <see cref="Sgemm"/> calls it; false when <see cref="Sgemm"/> runs Orrery's managed kernel.</summary>
    public bool HasOpenBlas => _openBlas.IsAvailable;

    /// <summary>
    /// The threads OpenBLAS runs a GEMM on (<see cref="Environment.ProcessorCount"/>, which follows a container's CPU
    /// limit, unless OPENBLAS_NUM_THREADS or OMP_NUM_THREADS says otherwise); null without OpenBLAS or its thread setting.
    /// </summary>
    public int? BlasThreads => HasOpenBlas ? OpenBlasThreads.Get(_openBlas.Handle) : null;

    /// <summary>The OpenBLAS file in use ("libopenblas.so.0"), or why none loaded and how to install it.</summary>
    public string OpenBlasNote => _openBlas.Note;

    /// <summary>
    /// Which GEMM <see cref="Sgemm"/> runs: "OpenBLAS libopenblas.so.0, 2 threads", or "Orrery's managed kernel (AVX2+FMA)"
    /// followed by why OpenBLAS is not used.
    /// </summary>
    public string GemmNote => HasOpenBlas
        ? $"OpenBLAS {OpenBlasNote}{(BlasThreads is int threads ? $", {threads} thread{(threads == 1 ? "" : "s")}" : "")}"
        : $"Orrery's managed kernel ({ManagedGemm.Describe(ManagedGemm.Best)}; {OpenBlasNote})";

    /// <summary>
    /// A line for people when <see cref="Sgemm"/> runs the managed kernel, naming what makes it faster
    /// ("OpenBLAS not found; CPU GEMM uses Orrery's managed kernel (slower): apt-get install libopenblas0");
    /// null when OpenBLAS is in use. Hosts show it once per process: the silo logs it at start, the client
    /// prints it before the first part of its work that runs GEMM on this process's CPU.
    /// </summary>
    public string? GemmFallbackNotice => HasOpenBlas
        ? null
        : _openBlas.IsHidden
            ? $"OpenBLAS hidden by {NativeLibraryProbe.HideVariable}; CPU GEMM uses Orrery's managed kernel (slower): unset it to use OpenBLAS"
            : $"OpenBLAS not found; CPU GEMM uses Orrery's managed kernel (slower): apt-get install {NativeLibraries.OpenBlasPackage}";

    /// <summary>The twins this device runs; workloads register theirs here.</summary>
    public CpuKernelRegistry Kernels => _kernels;

    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new CpuBuffer<T>(this, length);
    }

    public void Launch(KernelName kernel, LaunchGeometry geometry, KernelArguments arguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!_kernels.TryGet(kernel, out var twin))
        {
            throw new ComputeException($"cpu: no CPU twin is registered for {kernel}; register one with CpuKernelRegistry.Register");
        }

        if (geometry.IsEmpty)
        {
            return;
        }

        // Every buffer must be ours and alive, as on the GPU.
        for (var i = 0; i < arguments.Count; i++)
        {
            arguments.Slot(i, this);
        }

        twin(geometry, arguments);
    }

    public void Sgemm(
        MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, DeviceBuffer<float> b, int ldb,
        float beta, DeviceBuffer<float> c, int ldc)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        GemmArguments.Validate(this, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        var pointerA = ((CpuBuffer<float>)a).Pointer;
        var pointerB = ((CpuBuffer<float>)b).Pointer;
        var pointerC = ((CpuBuffer<float>)c).Pointer;
        lock (GemmGate)
        {
            if (HasOpenBlas)
            {
                OpenBlas.cblas_sgemm(
                    OpenBlas.CblasRowMajor, Transpose(transposeA), Transpose(transposeB), m, n, k,
                    alpha, pointerA, lda, pointerB, ldb, beta, pointerC, ldc);
            }
            else
            {
                ManagedGemm.Sgemm(transposeA, transposeB, m, n, k, alpha, pointerA, lda, pointerB, ldb, beta, pointerC, ldc, ManagedGemm.Best);
            }
        }
    }

    public void Synchronize() => ObjectDisposedException.ThrowIf(_disposed, this);

    public TimeSpan Measure(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = Stopwatch.GetTimestamp();
        work();
        return Stopwatch.GetElapsedTime(start);
    }

    public void Dispose() => _disposed = true;

    public override string ToString() => $"cpu ({Model}, {Multiprocessors} cores, GEMM: {GemmNote})";

    private static int Transpose(MatrixTranspose transpose) =>
        transpose == MatrixTranspose.None ? OpenBlas.CblasNoTrans : OpenBlas.CblasTrans;

    private static string ReadCpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} CPU";
    }
}
