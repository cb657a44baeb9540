namespace Orrery.Compute;

/// <summary>How a GPU device got a kernel module: compiled by NVRTC now, or loaded from the kernel cache.</summary>
/// <param name="Module">The source file ("check.cu").</param>
/// <param name="Target">What it was compiled for: "sm_90", or "compute_XY" PTX when NVRTC is older than the GPU.</param>
/// <param name="FromCache">True when the image came from the cache directory.</param>
/// <param name="Elapsed">Time to compile (or read) and load it.</param>
/// <param name="CacheFile">The cache file read or written.</param>
/// <param name="CacheNote">Why the cache was not used or not written, when that happened; null otherwise.</param>
public sealed record KernelModuleLoad(string Module, string Target, bool FromCache, TimeSpan Elapsed, string CacheFile, string? CacheNote);
