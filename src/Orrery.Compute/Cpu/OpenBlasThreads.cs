using System.Runtime.InteropServices;

namespace Orrery.Compute.Cpu;

/// <summary>
/// How many threads OpenBLAS runs a GEMM on. OpenBLAS counts the cores it may be scheduled on (the affinity mask),
/// not the CPU quota of a container: a silo pod limited to 2 CPUs on a 64-core node would start 64 threads per GEMM
/// and be throttled. .NET's <see cref="Environment.ProcessorCount"/> follows the quota (and <c>DOTNET_PROCESSOR_COUNT</c>),
/// and Orrery's own CPU kernels already fan out to that many, so OpenBLAS is set to the same count once per process,
/// unless <c>OPENBLAS_NUM_THREADS</c> or <c>OMP_NUM_THREADS</c> names a count of its own (OpenBLAS then keeps it).
/// <c>libcblas.so.3</c> (the reference BLAS, one thread) has no thread setting and is left alone.
/// </summary>
internal static unsafe class OpenBlasThreads
{
    private static readonly Lock Gate = new();
    private static bool _applied;

    /// <summary>
    /// The count to set: <paramref name="processorCount"/>, or null when either variable holds a count (OpenBLAS reads
    /// it at load); a variable that is empty or not a positive number does not count.
    /// </summary>
    public static int? Choose(string? openBlasThreads, string? openMpThreads, int processorCount) =>
        IsCount(openBlasThreads) || IsCount(openMpThreads) ? null : Math.Max(1, processorCount);

    /// <summary>Sets the count <see cref="Choose"/> gives, once per process, in the OpenBLAS loaded at <paramref name="library"/>.</summary>
    public static void ApplyOnce(nint library)
    {
        lock (Gate)
        {
            if (_applied)
            {
                return;
            }

            _applied = true;
            var count = Choose(
                Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS"), Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), Environment.ProcessorCount);
            if (count is int threads)
            {
                Set(library, threads);
            }
        }
    }

    /// <summary>Sets OpenBLAS's thread count; false when the library has no such setting.</summary>
    public static bool Set(nint library, int threads)
    {
        if (library == 0 || !NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out var set))
        {
            return false;
        }

        ((delegate* unmanaged<int, void>)set)(threads);
        return true;
    }

    /// <summary>OpenBLAS's thread count now, or null when the library has no such setting.</summary>
    public static int? Get(nint library) =>
        library != 0 && NativeLibrary.TryGetExport(library, "openblas_get_num_threads", out var get)
            ? ((delegate* unmanaged<int>)get)()
            : null;

    private static bool IsCount(string? value) => int.TryParse(value, out var count) && count > 0;
}
