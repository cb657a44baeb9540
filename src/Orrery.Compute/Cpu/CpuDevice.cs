using System.Diagnostics;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cpu;

/// <summary>
/// The host as a compute device: buffers in native memory, kernels run by their registered CPU twins on
/// all cores, GEMM by OpenBLAS. Work runs synchronously on the calling thread (twins and OpenBLAS fan out
/// to the cores themselves), so <see cref="Synchronize"/> has nothing to wait for.
/// </summary>
public sealed unsafe class CpuDevice : IComputeDevice
{
    /// <summary>
    /// One OpenBLAS GEMM at a time in this process. Each call already fans out to every core, so two at once
    /// (several PCA shards, or several embedded silos, in one process) only over-subscribe the cores: on the
    /// 2-core build machine two concurrent shard products took 65 to 83 ms each against 25 to 30 ms one after
    /// the other (bench/results/pca.md, section 4).
    /// </summary>
    private static readonly Lock GemmGate = new();

    private readonly CpuKernelRegistry _kernels;
    private bool _disposed;

    /// <summary>A CPU device running the twins in <paramref name="kernels"/> (default: <see cref="CpuKernelRegistry.CreateDefault"/>).</summary>
    public CpuDevice(CpuKernelRegistry? kernels = null)
    {
        _kernels = kernels ?? CpuKernelRegistry.CreateDefault();
        Model = ReadCpuModel();
        MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Multiprocessors = Environment.ProcessorCount;
    }

    public string Name => "cpu";

    public DeviceKind Kind => DeviceKind.Cpu;

    public int Ordinal => 0;

    public string Model { get; }

    public long MemoryBytes { get; }

    /// <summary>Logical cores available to this process.</summary>
    public int Multiprocessors { get; }

    /// <summary>True when OpenBLAS loaded, so <see cref="Sgemm"/> works.</summary>
    public bool HasOpenBlas => NativeLibraries.OpenBlas.IsAvailable;

    /// <summary>The OpenBLAS file in use ("libopenblas.so.0"), or why none loaded and how to install it.</summary>
    public string OpenBlasNote => NativeLibraries.OpenBlas.Note;

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
        NativeLibraries.OpenBlas.Require();
        if (m == 0 || n == 0)
        {
            return;
        }

        lock (GemmGate)
        {
            OpenBlas.cblas_sgemm(
                OpenBlas.CblasRowMajor, Transpose(transposeA), Transpose(transposeB), m, n, k,
                alpha, ((CpuBuffer<float>)a).Pointer, lda, ((CpuBuffer<float>)b).Pointer, ldb,
                beta, ((CpuBuffer<float>)c).Pointer, ldc);
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

    public override string ToString() => $"cpu ({Model}, {Multiprocessors} cores, {(HasOpenBlas ? OpenBlasNote : "no OpenBLAS")})";

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
