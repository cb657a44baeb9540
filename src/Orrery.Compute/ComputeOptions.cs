namespace Orrery.Compute;

/// <summary>Settings of the compute backends, bound from the <c>Compute</c> configuration section.</summary>
public sealed class ComputeOptions
{
    /// <summary>
    /// Directory for compiled kernel images. Default: empty, meaning <c>$XDG_CACHE_HOME/orrery/kernels</c>,
    /// else <c>~/.cache/orrery/kernels</c>, else <c>orrery-kernels</c> under the temp directory.
    /// </summary>
    public string KernelCacheDirectory { get; set; } = "";

    /// <summary>
    /// Directory of <c>.cu</c>/<c>.cuh</c> sources to compile instead of the ones embedded at build time,
    /// for working on a kernel without rebuilding. Default: empty (the embedded <c>kernels/</c>).
    /// </summary>
    public string KernelSourceDirectory { get; set; } = "";

    /// <summary>The cache directory in effect: <see cref="KernelCacheDirectory"/>, or the default described there.</summary>
    public string ResolvedKernelCacheDirectory => KernelCacheDirectory.Length > 0 ? KernelCacheDirectory : DefaultKernelCacheDirectory();

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when a value is unusable.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (KernelSourceDirectory.Length > 0 && !Directory.Exists(KernelSourceDirectory))
        {
            errors.Add($"Compute:KernelSourceDirectory is '{KernelSourceDirectory}', which does not exist; leave it empty to use the kernels built into Orrery.Compute");
        }

        if (KernelCacheDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"Compute:KernelCacheDirectory is '{KernelCacheDirectory}', which is not a valid path");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
    }

    private static string DefaultKernelCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "orrery", "kernels");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0
            ? Path.Combine(home, ".cache", "orrery", "kernels")
            : Path.Combine(Path.GetTempPath(), "orrery-kernels");
    }
}
