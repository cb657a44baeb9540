using System.Reflection;
using System.Runtime.InteropServices;

namespace Orrery.Compute.Native;

/// <summary>
/// The native libraries Orrery.Compute binds to, and the one <see cref="NativeLibrary.SetDllImportResolver"/>
/// hook that maps their import names to versioned sonames. Debian and the CUDA toolkit install the
/// versioned files (<c>libcuda.so.1</c>, <c>libnvrtc.so.13</c>); the unversioned development links
/// exist only with the -dev packages, so those are never relied on. Each can be hidden by name
/// (cuda, nvrtc, cublas, openblas) with <see cref="NativeLibraryProbe.HideVariable"/>.
/// </summary>
internal static class NativeLibraries
{
    public const string CudaDriverImport = "libcuda.so.1";
    public const string NvrtcImport = "libnvrtc";
    public const string CuBlasImport = "libcublas";
    public const string OpenBlasImport = "libopenblas";

    /// <summary>The Debian package that installs <c>libopenblas.so.0</c>.</summary>
    public const string OpenBlasPackage = "libopenblas0";

    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>The CUDA driver API. <c>libcuda.so.1</c> ships with the NVIDIA driver, not the toolkit.</summary>
    public static readonly NativeLibraryProbe CudaDriver = new(
        "CUDA driver", CudaDriverImport, ["libcuda.so.1"], ExistingDirectories(DriverDirectories()),
        "install the NVIDIA driver (or run the container with the NVIDIA runtime)", hideName: "cuda");

    /// <summary>NVRTC from CUDA 13, else 12.</summary>
    public static readonly NativeLibraryProbe Nvrtc = new(
        "NVRTC", NvrtcImport, ["libnvrtc.so.13", "libnvrtc.so.12"], ExistingDirectories(ToolkitDirectories()),
        "install the CUDA toolkit's NVRTC (cuda-nvrtc-13-0 or cuda-nvrtc-12-x) or set CUDA_HOME", hideName: "nvrtc");

    /// <summary>cuBLAS from CUDA 13, else 12.</summary>
    public static readonly NativeLibraryProbe CuBlas = new(
        "cuBLAS", CuBlasImport, ["libcublas.so.13", "libcublas.so.12"], ExistingDirectories(ToolkitDirectories()),
        "install the CUDA toolkit's cuBLAS (libcublas-13-0 or libcublas-12-x) or set CUDA_HOME", hideName: "cublas");

    /// <summary>
    /// OpenBLAS's CBLAS interface: Debian's <c>libopenblas0</c> provides <c>libopenblas.so.0</c>;
    /// <c>libcblas.so.3</c> is the alternatives name other BLAS builds register. Optional: without it the
    /// CPU device runs GEMM on <see cref="Cpu.ManagedGemm"/>.
    /// </summary>
    public static readonly NativeLibraryProbe OpenBlas = new(
        "OpenBLAS", OpenBlasImport, ["libopenblas.so.0", "libcblas.so.3"], [],
        $"install it with: apt-get install {OpenBlasPackage}", hideName: "openblas");

    /// <summary>Installs the resolver for this assembly once; every binding class calls this from its static constructor.</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _registered = true;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (var probe in (ReadOnlySpan<NativeLibraryProbe>)[CudaDriver, Nvrtc, CuBlas, OpenBlas])
        {
            if (probe.TryResolve(libraryName, out var handle))
            {
                // 0 lets the runtime throw DllNotFoundException; callers check IsAvailable first
                // (Require) so people see the probe's note instead.
                return handle;
            }
        }

        return 0;
    }

    private static IEnumerable<string> DriverDirectories() =>
        ["/usr/local/nvidia/lib64", "/usr/lib/wsl/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"];

    private static IEnumerable<string> ToolkitDirectories()
    {
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root)
            {
                yield return Path.Combine(root, "lib64");
                yield return Path.Combine(root, "targets", "x86_64-linux", "lib");
            }
        }

        yield return "/usr/local/cuda/lib64";
        yield return "/usr/local/cuda/targets/x86_64-linux/lib";
    }

    private static string[] ExistingDirectories(IEnumerable<string> directories) =>
        [.. directories.Where(Directory.Exists).Distinct(StringComparer.Ordinal)];
}
