using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Orrery.Testing.HostEmulation;

/// <summary>
/// A host runner (a .cpp file that includes <c>cuda_host_grid.hpp</c> and a kernels/*.cu file, and exports one
/// launch function per kernel) compiled by g++ into a shared library and loaded once per test process. The library is
/// cached in the temporary directory under the hash of every kernel source, the grid header, the runner and the
/// compiler command, so an unchanged kernel is not rebuilt. A missing compiler is an error, not a skip: CI installs
/// g++ (scripts/test.sh).
/// </summary>
public sealed class HostKernelLibrary
{
    /// <summary>The compiler; $CXX overrides g++.</summary>
    public static readonly string Compiler = Environment.GetEnvironmentVariable("CXX") is { Length: > 0 } cxx ? cxx : "g++";

    /// <summary>
    /// No contraction of a * b + c into an FMA, no fast math: the host then rounds each operation as C#
    /// and the GPU's _rn intrinsics do. C++20 for std::barrier.
    /// </summary>
    private static readonly string[] Flags = ["-std=c++20", "-O2", "-ffp-contract=off", "-fno-fast-math", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-Werror", "-shared", "-fPIC", "-pthread"];

    private readonly string _name;
    private readonly Lazy<nint> _handle;

    /// <summary>
    /// The library <paramref name="name"/> ("metric_graph", "gcn") built from <paramref name="runnerSource"/>, a path
    /// relative to the repository root. Nothing is compiled until the first <see cref="Export"/>.
    /// </summary>
    public HostKernelLibrary(string name, string runnerSource)
    {
        _name = name;
        RunnerSource = Path.Combine(RepositoryRoot, runnerSource);
        _handle = new Lazy<nint>(Build);
    }

    /// <summary>The repository root (the directory holding Orrery.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>kernels/: the CUDA sources and host_device.cuh.</summary>
    public static string KernelDirectory => Path.Combine(RepositoryRoot, "kernels");

    /// <summary>tests/Orrery.Testing/HostEmulation/: cuda_host_grid.hpp.</summary>
    public static string GridDirectory => Path.Combine(RepositoryRoot, "tests", "Orrery.Testing", "HostEmulation");

    /// <summary>The runner's full path.</summary>
    public string RunnerSource { get; }

    /// <summary>The address of the library's export <paramref name="symbol"/>, compiling and loading the library on first use.</summary>
    public nint Export(string symbol) => NativeLibrary.GetExport(_handle.Value, symbol);

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

    private nint Build()
    {
        var sources = Directory.EnumerateFiles(KernelDirectory)
            .Where(path => path.EndsWith(".cu", StringComparison.Ordinal) || path.EndsWith(".cuh", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(GridDirectory, "*.hpp"))
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
        var library = Path.Combine(directory, $"lib{_name}_host.{key}.so");
        if (!File.Exists(library))
        {
            var temporary = $"{library}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            Compile(temporary);
            File.Move(temporary, library, overwrite: true);
        }

        return NativeLibrary.Load(library);
    }

    private void Compile(string output)
    {
        var start = new ProcessStartInfo(Compiler) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var flag in Flags)
        {
            start.ArgumentList.Add(flag);
        }

        start.ArgumentList.Add("-I");
        start.ArgumentList.Add(KernelDirectory);
        start.ArgumentList.Add("-I");
        start.ArgumentList.Add(GridDirectory);
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
                $"cannot run the C++ compiler '{Compiler}' ({e.Message}). The host emulation of kernels/{_name}.cu needs g++ 11 or later " +
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
}
