using Orrery.Compute;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// The grid emulation's mode for kernels whose threads are independent (<c>run_grid_independent</c> in
/// cuda_host_grid.hpp, which every GCN runner uses): every CUDA thread of a many-block grid runs exactly once, and a
/// launch that asks for dynamic shared memory, which such a kernel would not use, is refused rather than run wrongly.
/// </summary>
public sealed class HostGridTests
{
    [Fact]
    public void EveryThreadOfAManyBlockGridRunsOnce()
    {
        // gcn_broadcast_rows adds the row once per element: 1,000 rows of 77 (301 blocks of 256 threads, the last part
        // full) added onto zeros twice give exactly 2 x row everywhere; a thread run twice or skipped shows.
        using var gpu = new HostEmulatedGpu(GcnDenseHostKernels.Register);
        const int Rows = 1000, Width = 77;
        var row = Enumerable.Range(1, Width).Select(i => (float)i).ToArray();
        using var output = gpu.Allocate<float>(Rows * Width);
        output.Upload(new float[Rows * Width]);
        using var rowBuffer = Upload(gpu, row);
        GcnDenseKernels.LaunchBroadcastRows(gpu, output, rowBuffer, Rows, Width, accumulate: true);
        GcnDenseKernels.LaunchBroadcastRows(gpu, output, rowBuffer, Rows, Width, accumulate: true);
        var result = Download(output, Rows * Width);
        for (var i = 0; i < Rows; i++)
        {
            Assert.Equal(row.Select(v => 2 * v), result.AsSpan(i * Width, Width).ToArray());
        }
    }

    [Fact]
    public void ALaunchWithDynamicSharedMemoryIsRefused()
    {
        using var gpu = new HostEmulatedGpu(GcnDenseHostKernels.Register);
        using var output = gpu.Allocate<float>(4);
        using var row = gpu.Allocate<float>(4);
        var arguments = new KernelArguments().Add(output).Add(row).Add(1).Add(4);
        var geometry = new LaunchGeometry(LaunchGeometry.Linear(4, 256).Grid, LaunchGeometry.Linear(4, 256).Block, SharedMemoryBytes: 64);
        var error = Assert.Throws<ComputeException>(() => gpu.Launch(GcnDenseKernels.BroadcastRows, geometry, arguments));
        Assert.Contains("64 bytes of dynamic shared memory needs run_grid", error.Message);
    }
}
