using System.Diagnostics;
using Orrery.Compute.Cuda;

namespace Orrery.Compute.Tests;

/// <summary>
/// Runs bench/GpuCheck as CI does, on a machine without a GPU: it must say so plainly, check the CPU
/// backend, and exit 0, or 3 when a GPU was required.
/// </summary>
public sealed class GpuCheckProgramTests
{
    // tests/Orrery.Compute.Tests/bin/<Configuration>/net10.0 -> bench/GpuCheck/bin/<Configuration>/net10.0
    private static readonly string TestBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
    private static readonly string Configuration = Path.GetFileName(Path.GetDirectoryName(TestBin)!);
    private static readonly string GpuCheck = Path.GetFullPath(Path.Combine(TestBin, "..", "..", "..", "..", "..", "bench", "GpuCheck", "bin", Configuration, "net10.0", "orrery-gpucheck.dll"));

    [Fact]
    public async Task WithoutAGpuItSaysSoChecksTheCpuAndExitsZero()
    {
        if (CudaProbe.Run().IsUsable)
        {
            return; // a GPU machine runs the real thing through bench/gpu-check.sh
        }

        var (exitCode, output) = await RunAsync();
        Assert.True(exitCode == 0, output);
        Assert.StartsWith("orrery-gpucheck: no GPU: ", output);
        Assert.Contains("NO GPU CHECKED: no usable GPU on this machine", output);
        Assert.Contains("philox_blocks = Random123 known answers", output);
        Assert.Contains("PASS", output);
        Assert.DoesNotContain("FAIL", output);
    }

    [Fact]
    public async Task RequiringAGpuThatIsNotThereExitsThree()
    {
        if (CudaProbe.Run().IsUsable)
        {
            return;
        }

        var (exitCode, output) = await RunAsync("--require-gpu");
        Assert.True(exitCode == 3, output);
        Assert.Contains("NO GPU CHECKED", output);

        (exitCode, output) = await RunAsync("--device", "cuda:0");
        Assert.True(exitCode == 3, output);
        Assert.Contains("device cuda:0 was asked for but no GPU is usable", output);
    }

    [Fact]
    public async Task BadArgumentsExitTwo()
    {
        var (exitCode, output) = await RunAsync("--frobnicate");
        Assert.True(exitCode == 2, output);
        Assert.Contains("unknown argument '--frobnicate'", output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
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

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
