using System.Diagnostics;
using Orrery.Compute.Cuda;

namespace Orrery.Compute.Tests;

/// <summary>
/// Runs tests/Orrery.GpuCheck as CI does, on a machine without a GPU: it must say so plainly, check the CPU
/// backend, and exit 0, or 3 when a GPU was required.
/// </summary>
public sealed class GpuCheckProgramTests
{
    // tests/Orrery.Compute.Tests/bin/<Configuration>/net10.0 -> tests/Orrery.GpuCheck/bin/<Configuration>/net10.0
    private static readonly string TestBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
    private static readonly string Configuration = Path.GetFileName(Path.GetDirectoryName(TestBin)!);
    private static readonly string GpuCheck = Path.GetFullPath(Path.Combine(TestBin, "..", "..", "..", "..", "Orrery.GpuCheck", "bin", Configuration, "net10.0", "orrery-gpucheck.dll"));

    [SkippableFact]
    public async Task WithoutAGpuItSaysSoChecksTheCpuAndExitsZero()
    {
        Skip.If(CudaProbe.Run().IsUsable, "this machine has a usable GPU: bench/gpu-check.sh runs the real checks there");

        var (exitCode, output) = await RunAsync();
        Assert.True(exitCode == 0, output);
        Assert.StartsWith("orrery-gpucheck: no GPU: ", output);
        Assert.Contains("NO GPU CHECKED: no usable GPU on this machine", output);
        Assert.Contains("philox_blocks = Random123 known answers", output);
        Assert.Contains("PASS", output);
        Assert.DoesNotContain("FAIL", output);
    }

    [SkippableFact]
    public async Task RequiringAGpuThatIsNotThereExitsThree()
    {
        Skip.If(CudaProbe.Run().IsUsable, "this machine has a usable GPU, so a required GPU is there");

        var (exitCode, output) = await RunAsync("--require-gpu");
        Assert.True(exitCode == 3, output);
        Assert.Contains("NO GPU CHECKED", output);

        (exitCode, output) = await RunAsync("--device", "cuda:0");
        Assert.True(exitCode == 3, output);
        Assert.Contains("device cuda:0 was asked for but no GPU is usable", output);
    }

    [Fact]
    public async Task WithOpenBlasHiddenTheCpuChecksRunTheManagedGemm()
    {
        // A child process, since the variable is read once per process; "cuda" too, so a GPU machine takes
        // the same CPU-only path as CI.
        var (exitCode, output) = await RunAsync(new Dictionary<string, string> { ["ORRERY_HIDE_NATIVE_LIBRARIES"] = "openblas,cuda" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("no GPU: libcuda.so.1 hidden by ORRERY_HIDE_NATIVE_LIBRARIES=openblas,cuda", output);
        Assert.Contains("GEMM: Orrery's managed kernel (", output);
        Assert.Contains("libopenblas.so.0, libcblas.so.3 hidden by ORRERY_HIDE_NATIVE_LIBRARIES=openblas,cuda", output);
        Assert.Contains("sgemm (managed) vs double reference, 128x96x256", output);
        Assert.DoesNotContain("FAIL", output);
    }

    [Fact]
    public async Task BadArgumentsExitTwo()
    {
        var (exitCode, output) = await RunAsync("--frobnicate");
        Assert.True(exitCode == 2, output);
        Assert.Contains("unknown argument '--frobnicate'", output);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) => RunAsync(new Dictionary<string, string>(), arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        Assert.True(File.Exists(GpuCheck), $"{GpuCheck} is missing; building the test project builds it");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(GpuCheck);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
