using System.Runtime.InteropServices;

namespace Orrery.Cluster.Transport;

/// <summary>
/// Asks Linux to back large receive buffers with transparent huge pages. A payload is read into
/// a new array the grain then owns, so its memory is fresh: with 4 KiB pages a 16 MiB tensor
/// takes 4096 page faults before a byte lands, which on the 2-core build VM capped a receiver at
/// about 0.6 GB/s against 2.9 GB/s for a reused buffer; with 2 MiB pages it takes 8. Best effort:
/// when the kernel has no THP or it is set to <c>never</c> the call fails and the buffer keeps
/// 4 KiB pages, which is where it started.
/// </summary>
internal static unsafe partial class TransparentHugePages
{
    /// <summary>Buffers smaller than this are left alone: they hold at most one whole huge page.</summary>
    public const int MinimumBytes = 4 << 20;

    private const long HugePageBytes = 2 << 20;

    // <sys/mman.h>: MADV_HUGEPAGE = 14 (Linux 2.6.38+).
    private const int MADV_HUGEPAGE = 14;

    /// <summary>Advises huge pages for the 2 MiB-aligned interior of <paramref name="buffer"/>; must run before the buffer is written.</summary>
    public static void Advise<T>(T[] buffer)
        where T : unmanaged
    {
        var bytes = (long)buffer.Length * sizeof(T);
        if (bytes < MinimumBytes || !OperatingSystem.IsLinux())
        {
            return;
        }

        // Arrays this large live on the large object heap, which does not move them unless a
        // compaction is asked for; the advice belongs to the address range either way.
        fixed (T* data = buffer)
        {
            var start = ((long)data + HugePageBytes - 1) & ~(HugePageBytes - 1);
            var end = ((long)data + bytes) & ~(HugePageBytes - 1);
            if (end > start)
            {
                _ = madvise((nint)start, (nuint)(end - start), MADV_HUGEPAGE);
            }
        }
    }

    // int madvise(void *addr, size_t length, int advice): 0 on success; -1 with errno EINVAL when
    // the kernel was built without THP or the range is not page-aligned, ENOMEM when it is not mapped.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint addr, nuint length, int advice);
}
