using Orrery.Compute.Cuda;
using Orrery.Compute.Native;

namespace Orrery.Compute.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public void AutoWithoutAGpuGivesTheCpuAndSaysWhy()
    {
        var probe = CudaProbe.Run();
        using var discovery = ComputeDevices.Discover("auto");
        if (probe.IsUsable)
        {
            Assert.NotEmpty(discovery.Gpus); // a developer's GPU machine; CI has none
            Assert.StartsWith("cuda:0 ", discovery.Note);
            return;
        }

        Assert.Empty(discovery.Gpus);
        Assert.Same(discovery.Cpu, discovery.Preferred);
        Assert.Equal([discovery.Cpu], discovery.Devices);
        Assert.StartsWith($"no GPU: {probe.Problem}; computing on cpu (", discovery.Note);
        if (!NativeLibraries.CudaDriver.IsAvailable)
        {
            Assert.Contains("libcuda.so.1 not found", discovery.Note);
            Assert.Contains("install the NVIDIA driver", discovery.Note);
        }
    }

    [Fact]
    public void CpuPreferenceDoesNotProbe()
    {
        using var discovery = ComputeDevices.Discover("cpu");
        Assert.Empty(discovery.Gpus);
        Assert.Equal("cpu", discovery.Preferred.Name);
        Assert.StartsWith("cpu only (device preference 'cpu'; GPUs not probed)", discovery.Note);
    }

    [Fact]
    public void AnExplicitGpuThatIsNotThereIsAnError()
    {
        var probe = CudaProbe.Run();
        var ordinal = probe.IsUsable ? probe.Devices.Count : 0;
        var error = Assert.Throws<ComputeException>(() => ComputeDevices.Discover($"cuda:{ordinal}"));
        Assert.StartsWith($"device cuda:{ordinal} was asked for but", error.Message);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("CPU")]
    public void UnknownPreferencesAreRejected(string preference)
    {
        var error = Assert.Throws<ArgumentException>(() => ComputeDevices.Discover(preference));
        Assert.StartsWith($"device preference is '{preference}'; it must be 'auto', 'cpu' or 'cuda:N'", error.Message);
    }

    [Fact]
    public void MissingKernelSourceDirectoryNamesTheSetting()
    {
        var options = new ComputeOptions { KernelSourceDirectory = "/nonexistent/orrery-kernels" };
        var error = Assert.Throws<ArgumentException>(() => ComputeDevices.Discover("auto", options));
        Assert.StartsWith("Compute:KernelSourceDirectory is '/nonexistent/orrery-kernels', which does not exist", error.Message);
    }

    [Fact]
    public void KernelCacheDefaultsUnderTheUsersCacheDirectory()
    {
        Assert.Equal("/srv/kernels", new ComputeOptions { KernelCacheDirectory = "/srv/kernels" }.ResolvedKernelCacheDirectory);
        Assert.EndsWith(Path.Combine("orrery", "kernels"), new ComputeOptions().ResolvedKernelCacheDirectory);
    }
}
