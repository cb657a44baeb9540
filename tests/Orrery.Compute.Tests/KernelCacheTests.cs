using Orrery.Compute.Kernels;

namespace Orrery.Compute.Tests;

public sealed class KernelCacheTests
{
    private static readonly string[] Options = ["--gpu-architecture=sm_90", "--std=c++17"];
    private static readonly CompileTarget Sm90 = new(90, IsCubin: true);

    private static KernelSources Sources(string kernel = "#include \"rng.cuh\"\nextern \"C\" __global__ void k() {}\n", string rng = "#include \"bits.cuh\"\n", string bits = "// bits\n", string unrelated = "// other\n") =>
        new(new Dictionary<string, string>
        {
            ["k.cu"] = kernel,
            ["rng.cuh"] = rng,
            ["bits.cuh"] = bits,
            ["unrelated.cuh"] = unrelated,
        }, "test");

    private static string Key(KernelSources sources, CompileTarget? target = null, string[]? options = null) =>
        KernelCache.ComputeKey(sources, "k.cu", target ?? Sm90, options ?? Options);

    [Fact]
    public void SameSourceAndArchitectureGiveTheSameKey()
    {
        Assert.Equal(Key(Sources()), Key(Sources()));
        Assert.Matches("^[0-9a-f]{64}$", Key(Sources()));
    }

    [Fact]
    public void AnyChangeToWhatIsCompiledGivesANewKey()
    {
        var original = Key(Sources());
        string[] changed =
        [
            Key(Sources(kernel: "#include \"rng.cuh\"\nextern \"C\" __global__ void k() { }\n")), // the kernel's text
            Key(Sources(rng: "#include \"bits.cuh\"\n// tweak\n")),                               // a header it includes
            Key(Sources(bits: "// bits v2\n")),                                                     // a header included by that header
            Key(Sources(), target: new CompileTarget(89, IsCubin: true)),                             // the architecture
            Key(Sources(), target: new CompileTarget(90, IsCubin: false)),                            // cubin vs PTX
            Key(Sources(), options: ["--gpu-architecture=sm_90", "--std=c++20"]),                    // the options
        ];
        Assert.DoesNotContain(original, changed);
        Assert.Equal(changed.Length, changed.Distinct().Count());
    }

    [Fact]
    public void HeadersTheKernelDoesNotIncludeDoNotChangeItsKey()
    {
        Assert.Equal(Key(Sources()), Key(Sources(unrelated: "// edited\n")));
    }

    [Fact]
    public void IncludesAreFollowedTransitively()
    {
        Assert.Equal(["bits.cuh", "rng.cuh"], Sources().IncludesOf("k.cu"));
        Assert.Empty(Sources().IncludesOf("bits.cuh"));
    }

    [Fact]
    public void ImagesRoundTripThroughTheCacheDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"orrery-kernel-cache-{Guid.NewGuid():N}");
        try
        {
            var cache = new KernelCache(directory);
            var key = Key(Sources());
            var path = cache.PathFor("k.cu", Sm90, key);
            Assert.Equal(Path.Combine(directory, $"k.sm_90.{key}.cubin"), path);
            Assert.False(cache.TryRead(path, out _));

            Assert.Null(cache.TryWrite(path, [1, 2, 3]));
            Assert.True(cache.TryRead(path, out var image));
            Assert.Equal([1, 2, 3], image);
            Assert.Equal([path], Directory.GetFiles(directory)); // no temporary files left behind

            cache.TryDelete(path);
            Assert.False(cache.TryRead(path, out _));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(90, "sm_90")]      // H100: NVRTC knows it, cubin
    [InlineData(89, "sm_89")]
    [InlineData(120, "compute_100")] // a GPU newer than this NVRTC: PTX the driver compiles forward
    [InlineData(87, "compute_86")]
    public void TargetsAreTheDevicesOwnArchitectureWhenNvrtcKnowsIt(int device, string expected)
    {
        int[] supported = [75, 80, 86, 89, 90, 100];
        Assert.Equal(expected, CompileTarget.Choose(device, supported).ToString());
    }

    [Fact]
    public void AGpuOlderThanNvrtcSupportsIsAnError()
    {
        var error = Assert.Throws<ComputeException>(() => CompileTarget.Choose(61, [75, 80, 90]));
        Assert.Equal("NVRTC cannot compile for sm_61: it supports sm_75 to sm_90; install an NVRTC that matches the GPU", error.Message);
    }
}
