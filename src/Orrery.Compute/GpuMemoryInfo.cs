namespace Orrery.Compute;

/// <summary>Free and total memory of one GPU, as <c>cuMemGetInfo</c> reports them (device-wide, in bytes).</summary>
public readonly record struct GpuMemoryInfo(long FreeBytes, long TotalBytes)
{
    /// <summary>Total minus free: this process's allocations, other processes' and the driver's own.</summary>
    public long UsedBytes => TotalBytes - FreeBytes;
}
