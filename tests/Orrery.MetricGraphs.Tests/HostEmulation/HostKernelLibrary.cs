using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Orrery.MetricGraphs.Tests.HostEmulation;

/// <summary>
/// kernels/metric_graph.cu compiled for the host by g++ (with cuda_host_runner.cpp, which runs CUDA blocks
/// as threads), loaded once per test process. The library is cached in the temporary directory under the
/// hash of every source and the compiler command, so an unchanged kernel is not rebuilt. A missing
/// compiler is an error, not a skip: CI installs g++ (scripts/test.sh).
/// </summary>
internal static unsafe class HostKernelLibrary
{
    /// <summary>The compiler; $CXX overrides g++.</summary>
    public static readonly string Compiler = Environment.GetEnvironmentVariable("CXX") is { Length: > 0 } cxx ? cxx : "g++";

    /// <summary>
    /// No contraction of a * b + c into an FMA, no fast math: the host then rounds each operation as C#
    /// and the GPU's _rn intrinsics do. C++20 for std::barrier.
    /// </summary>
    private static readonly string[] Flags = ["-std=c++20", "-O2", "-ffp-contract=off", "-fno-fast-math", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-Werror", "-shared", "-fPIC", "-pthread"];

    private static readonly Lazy<nint> Handle = new(Build);

    /// <summary>The repository root (the directory holding Orrery.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string KernelDirectory => Path.Combine(RepositoryRoot, "kernels");

    public static string RunnerSource => Path.Combine(RepositoryRoot, "tests", "Orrery.MetricGraphs.Tests", "HostEmulation", "cuda_host_runner.cpp");

    /// <summary>orr_host_launch_metric_graph_advance(grid, block, shared_bytes, slots, slot_count, error, error_size).</summary>
    public static delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> LaunchMetricGraphAdvance =>
        (delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int>)Export("orr_host_launch_metric_graph_advance");

    /// <summary>orr_host_box_muller(word0, word1, z0, z1): the kernel's mg_box_muller.</summary>
    public static delegate* unmanaged<uint, uint, float*, float*, void> BoxMuller =>
        (delegate* unmanaged<uint, uint, float*, float*, void>)Export("orr_host_box_muller");

    /// <summary>orr_host_mul_div(a, b, d): the kernel's mg_mul_div, floor(a b / d).</summary>
    public static delegate* unmanaged<ulong, ulong, ulong, ulong> MulDiv =>
        (delegate* unmanaged<ulong, ulong, ulong, ulong>)Export("orr_host_mul_div");

    /// <summary>orr_host_add_u128(sum, low, high): the kernel's mg_atomic_add_u128.</summary>
    public static delegate* unmanaged<ulong*, ulong, ulong, void> AddU128 =>
        (delegate* unmanaged<ulong*, ulong, ulong, void>)Export("orr_host_add_u128");

    private static nint Export(string name) => NativeLibrary.GetExport(Handle.Value, name);

    private static nint Build()
    {
        var sources = Directory.EnumerateFiles(KernelDirectory)
            .Where(path => path.EndsWith(".cu", StringComparison.Ordinal) || path.EndsWith(".cuh", StringComparison.Ordinal))
            .Append(RunnerSource)
            .Order(StringComparer.Ordinal)
            .ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{Compiler} {string.Join(' ', Flags)}\n"));
        foreach (var source in sources)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{Path.GetFileName(source)}\n"));
            hash.AppendData(File.ReadAllBytes(source));
        }

        var key = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        var directory = Path.Combine(Path.GetTempPath(), "orrery-host-kernels");
        Directory.CreateDirectory(directory);
        var library = Path.Combine(directory, $"libmetric_graph_host.{key}.so");
        if (!File.Exists(library))
        {
            var temporary = $"{library}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            Compile(temporary);
            File.Move(temporary, library, overwrite: true);
        }

        return NativeLibrary.Load(library);
    }

    private static void Compile(string output)
    {
        var start = new ProcessStartInfo(Compiler) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var flag in Flags)
        {
            start.ArgumentList.Add(flag);
        }

        start.ArgumentList.Add("-I");
        start.ArgumentList.Add(KernelDirectory);
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(output);
        start.ArgumentList.Add(RunnerSource);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"cannot run the C++ compiler '{Compiler}' ({e.Message}). The host emulation of kernels/metric_graph.cu needs g++ 11 or later " +
                "(C++20): install it (Debian/Ubuntu: apt-get install g++; scripts/test.sh does) or point $CXX at one.", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{Compiler} failed (exit {process.ExitCode}) compiling {RunnerSource} with kernels/:\n{stdout}{stderr.Result}");
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orrery.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Orrery.slnx above {AppContext.BaseDirectory}: the host emulation needs the repository's kernels/ directory");
    }
}
