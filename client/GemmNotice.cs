using Orrery.Compute;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// The CPU device's notice that GEMM runs on Orrery's managed kernel because OpenBLAS is missing (or hidden),
/// printed once per process before the first work that runs GEMM on this process's CPU: the embedded silos'
/// PCA shards compute on the process's shared CPU device.
/// </summary>
internal static class GemmNotice
{
    private static int _shown;

    public static void ShowOnce()
    {
        if (ComputeDevices.SharedCpuOnly.Cpu.GemmFallbackNotice is { } notice && Interlocked.Exchange(ref _shown, 1) == 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{notice}[/]");
        }
    }
}
