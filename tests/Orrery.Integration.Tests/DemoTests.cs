using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// <c>orrery demo</c>, the README's first command, as a process: every part completes and it exits 0, on
/// OpenBLAS and on Orrery's managed GEMM (OpenBLAS hidden with ORRERY_HIDE_NATIVE_LIBRARIES, as on a fresh
/// Debian machine with only the .NET SDK), which it names once.
/// </summary>
public sealed partial class DemoTests
{
    private const string ManagedGemm = "CPU GEMM uses Orrery's managed kernel (slower)";

    [Fact]
    public async Task TheDemoCompletesOnTheManagedGemmWhenOpenBlasIsHidden()
    {
        var output = await RunDemoAsync(new Dictionary<string, string> { ["ORRERY_HIDE_NATIVE_LIBRARIES"] = "openblas" });
        Assert.Contains($"OpenBLAS hidden by ORRERY_HIDE_NATIVE_LIBRARIES; {ManagedGemm}: unset it to use OpenBLAS", output);
        Assert.Single(Regex.Matches(output, Regex.Escape(ManagedGemm)));

        // The notice comes before the part that runs GEMM on the CPU.
        Assert.True(output.IndexOf(ManagedGemm, StringComparison.Ordinal) < output.IndexOf("PCA (parallel deflation)", StringComparison.Ordinal), output);
    }

    [Fact]
    public async Task TheDemoCompletesAsInstalled()
    {
        var output = await RunDemoAsync(new Dictionary<string, string>());
        if (NativeLibrary.TryLoad("libopenblas.so.0", out var handle) || NativeLibrary.TryLoad("libcblas.so.3", out handle))
        {
            NativeLibrary.Free(handle);
            Assert.DoesNotContain(ManagedGemm, output);
        }
        else
        {
            Assert.Contains($"OpenBLAS not found; {ManagedGemm}: apt-get install libopenblas0", output);
        }
    }

    /// <summary>Runs the demo, checks that every part passed and it exited 0, and returns its output as one line of plain text.</summary>
    private static async Task<string> RunDemoAsync(Dictionary<string, string> environment)
    {
        var (code, raw) = await Executables.RunClientAsync(TimeSpan.FromMinutes(3), environment, "demo");

        // Plain text on one line: no colour codes, and lines wrapped at the console's width joined again.
        var output = Whitespace().Replace(ColourCodes().Replace(raw, ""), " ");
        Assert.True(code == 0, raw);
        Assert.Contains("Starting an embedded Orleans cluster of 3 silos", output);
        Assert.Contains("tensor round trip", output);
        Assert.Contains("intact", output);
        Assert.Contains("Sampling: 6,000 particles", output);
        Assert.Contains("PCA (parallel deflation): top 8 eigenvectors", output);
        Assert.Matches(@"eigenvalues within \S+ relative, ok", output);
        Assert.Matches(@"GCN \(pipelined full-graph training\): 600 nodes on 3 parts over 3 silos.*features alone give [0-9.]+\s*%\), ok", output);
        Assert.Contains("demo passed", output);
        foreach (var failure in new[] { "FAIL", "CORRUPTED", "NOT CONVERGED", "BELOW THE REQUIRED ACCURACY", "demo failed", "Exception" })
        {
            Assert.DoesNotContain(failure, output);
        }

        return output;
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex ColourCodes();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
