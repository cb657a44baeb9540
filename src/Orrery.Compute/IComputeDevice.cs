namespace Orrery.Compute;

/// <summary>
/// One device a silo computes on: <c>cpu</c> or <c>cuda:N</c>. Workload code allocates buffers, uploads
/// inputs, launches kernels by name and calls GEMM without knowing which backend runs them; the CPU
/// backend runs each kernel's registered CPU twin, the CUDA backend the NVRTC-compiled kernel from
/// <c>kernels/</c>. Work is queued in order on one stream per device: launches may return before the
/// work finishes, and <see cref="DeviceBuffer{T}.Download"/> and <see cref="Synchronize"/> wait for it.
/// Errors from asynchronous GPU work surface at the next call that waits.
/// </summary>
public interface IComputeDevice : IDisposable
{
    /// <summary>"cpu" or "cuda:N".</summary>
    string Name { get; }

    DeviceKind Kind { get; }

    /// <summary>The N of cuda:N; 0 for the CPU.</summary>
    int Ordinal { get; }

    /// <summary>The model as the hardware reports it ("NVIDIA H100 80GB HBM3", the CPU's model name).</summary>
    string Model { get; }

    /// <summary>Total device memory in bytes (for the CPU, the memory available to this process).</summary>
    long MemoryBytes { get; }

    /// <summary>Streaming multiprocessors on a GPU; logical cores on the CPU.</summary>
    int Multiprocessors { get; }

    /// <summary>Allocates <paramref name="length"/> elements (at least 1); contents are undefined.</summary>
    DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged;

    /// <summary>
    /// Runs <paramref name="kernel"/> with <paramref name="arguments"/> in the kernel's parameter order.
    /// Every buffer argument must belong to this device.
    /// </summary>
    void Launch(KernelName kernel, LaunchGeometry geometry, KernelArguments arguments);

    /// <summary>
    /// Single-precision GEMM on row-major matrices: C = <paramref name="alpha"/> op(A) op(B) + <paramref name="beta"/> C,
    /// with op(A) m×k, op(B) k×n and C m×n. A is stored m×k (k×m when transposed) with row stride
    /// <paramref name="lda"/>, likewise B and C. cuBLAS on a GPU; on the CPU OpenBLAS <c>cblas_sgemm</c>, or Orrery's managed kernel where OpenBLAS is not installed.
    /// </summary>
    void Sgemm(
        MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, DeviceBuffer<float> b, int ldb,
        float beta, DeviceBuffer<float> c, int ldc);

    /// <summary>Waits until all queued work has finished, and reports its errors.</summary>
    void Synchronize();

    /// <summary>
    /// Runs <paramref name="work"/> (which queues work on this device) and returns how long the device
    /// took for it: CUDA events around it on the GPU, the wall clock on the CPU.
    /// </summary>
    TimeSpan Measure(Action work);
}
