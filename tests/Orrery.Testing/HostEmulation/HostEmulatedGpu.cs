using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Testing.HostEmulation;

/// <summary>
/// A stand-in for a CUDA device whose kernel launches run kernels/*.cu compiled for the host
/// (<see cref="HostKernelLibrary"/>): buffers are a <see cref="CpuDevice"/>'s, and each kernel is registered there as
/// a "twin" that passes the launch's arguments to the g++-built kernel as cuLaunchKernel would (one 8-byte slot per
/// parameter, <see cref="HostLaunch"/>). It reports <see cref="DeviceKind.Cuda"/>, so host code that picks its CUDA
/// path by the device's kind takes it: the C# host side, the kernel's source and the grid structure all run; only
/// NVRTC and the GPU itself are absent.
/// </summary>
public sealed class HostEmulatedGpu : IComputeDevice
{
    private readonly CpuDevice _cpu;

    /// <summary>A device whose launches run the host launchers <paramref name="registerKernels"/> registers.</summary>
    public HostEmulatedGpu(Action<CpuKernelRegistry> registerKernels)
        : this(registerKernels, "cuda:host-emulated")
    {
    }

    /// <summary>
    /// The same, named <paramref name="name"/>: "cuda:0" lets it stand in for a silo's advertised GPU, which grains find by
    /// that name (<see cref="DeviceDiscovery.WithStandIns"/>).
    /// </summary>
    public HostEmulatedGpu(Action<CpuKernelRegistry> registerKernels, string name)
    {
        ArgumentNullException.ThrowIfNull(registerKernels);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        var kernels = new CpuKernelRegistry();
        registerKernels(kernels);
        _cpu = new CpuDevice(kernels);
    }

    /// <summary>Launches run so far.</summary>
    public int Launches { get; private set; }

    /// <summary>"cuda:host-emulated" unless named otherwise.</summary>
    public string Name { get; }

    /// <summary>Always <see cref="DeviceKind.Cuda"/>.</summary>
    public DeviceKind Kind => DeviceKind.Cuda;

    /// <summary>Always 0.</summary>
    public int Ordinal => 0;

    /// <summary>A description of the emulation.</summary>
    public string Model => "kernels/*.cu compiled by g++, CUDA threads on host threads";

    /// <summary>The host's memory.</summary>
    public long MemoryBytes => _cpu.MemoryBytes;

    /// <summary>The host's logical cores.</summary>
    public int Multiprocessors => _cpu.Multiprocessors;

    /// <summary>Allocates host memory, as the CPU device does.</summary>
    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged => _cpu.Allocate<T>(length);

    /// <summary>Runs the host-compiled kernel registered for <paramref name="kernel"/>.</summary>
    public void Launch(KernelName kernel, LaunchGeometry geometry, KernelArguments arguments)
    {
        Launches++;
        _cpu.Launch(kernel, geometry, arguments);
    }

    /// <summary>The CPU device's GEMM.</summary>
    public void Sgemm(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a, int lda,
        DeviceBuffer<float> b, int ldb, float beta, DeviceBuffer<float> c, int ldc) =>
        _cpu.Sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Nothing to wait for: launches run synchronously.</summary>
    public void Synchronize() => _cpu.Synchronize();

    /// <summary>The wall clock around <paramref name="work"/>.</summary>
    public TimeSpan Measure(Action work) => _cpu.Measure(work);

    /// <summary>Frees the CPU device.</summary>
    public void Dispose() => _cpu.Dispose();
}
