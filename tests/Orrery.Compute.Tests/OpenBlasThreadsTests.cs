using Orrery.Compute.Cpu;
using Orrery.Compute.Native;

namespace Orrery.Compute.Tests;

/// <summary>
/// OpenBLAS runs on as many threads as .NET's processor count (which follows a container's CPU limit), unless the
/// user's OPENBLAS_NUM_THREADS or OMP_NUM_THREADS names a count. Alone (its own collection, not in parallel with the
/// others): it changes the process's OpenBLAS thread count for a moment, which can change the bits of a GEMM elsewhere.
/// </summary>
[Collection(nameof(OpenBlasThreadsTests))]
public sealed class OpenBlasThreadsTests
{
    [Theory]
    [InlineData(null, null, 2, 2)]
    [InlineData("", "", 3, 3)]
    [InlineData("4", null, 2, null)]
    [InlineData(null, "1", 8, null)]
    [InlineData("0", "abc", 6, 6)]
    [InlineData(null, null, 0, 1)]
    public void TheProcessorCountUnlessAVariableNamesACount(string? openBlas, string? openMp, int processors, int? expected) =>
        Assert.Equal(expected, OpenBlasThreads.Choose(openBlas, openMp, processors));

    [SkippableFact]
    public void TheCpuDeviceSetsOpenBlasToTheProcessorCount_AndSaysSo()
    {
        Skip.IfNot(NativeLibraries.OpenBlas.IsAvailable, "OpenBLAS is not installed (apt-get install libopenblas0)");
        var handle = NativeLibraries.OpenBlas.Handle;
        Skip.If(OpenBlasThreads.Get(handle) is null, $"{NativeLibraries.OpenBlas.Note} has no thread setting (not OpenBLAS)");
        Skip.If(
            OpenBlasThreads.Choose(Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS"), Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), 1) is null,
            "OPENBLAS_NUM_THREADS or OMP_NUM_THREADS is set here");

        using var device = new CpuDevice();
        Assert.Equal(Environment.ProcessorCount, device.BlasThreads);
        Assert.EndsWith($", {Environment.ProcessorCount} thread{(Environment.ProcessorCount == 1 ? "" : "s")}", device.GemmNote);

        // The setting reaches the library (what the device's start relies on), and is put back.
        Assert.True(OpenBlasThreads.Set(handle, 1));
        try
        {
            Assert.Equal(1, device.BlasThreads);
        }
        finally
        {
            OpenBlasThreads.Set(handle, Environment.ProcessorCount);
        }
    }
}

[CollectionDefinition(nameof(OpenBlasThreadsTests), DisableParallelization = true)]
public sealed class OpenBlasThreadsCollection;
