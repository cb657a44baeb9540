using System.Security.Cryptography;
using System.Text;

namespace Orrery.Compute.Kernels;

/// <summary>
/// Compiled kernel images on disk, one file per (module, target, key). The key is the SHA-256 of the
/// module's source, the text of every header it includes, the target architecture and the compile
/// options, so any change to any of them compiles anew and stale images are never loaded. Files are
/// written to a temporary name and renamed, so silos sharing the directory never read half a file.
/// </summary>
internal sealed class KernelCache
{
    private const string KeyVersion = "orrery-kernel-cache/1";

    public KernelCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>The cache key of <paramref name="module"/> ("check.cu") as lowercase hex SHA-256.</summary>
    public static string ComputeKey(KernelSources sources, string module, CompileTarget target, IReadOnlyList<string> options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Line(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        Line(KeyVersion);
        Line($"target={target}");
        foreach (var option in options)
        {
            Line($"option={option}");
        }

        foreach (var file in (IEnumerable<string>)[module, .. sources.IncludesOf(module)])
        {
            // Name and byte length before the bytes: no two different file sets hash the same stream.
            var bytes = Encoding.UTF8.GetBytes(sources.Text(file));
            Line($"file={file}");
            Line($"bytes={bytes.Length}");
            hash.AppendData(bytes);
            Line("");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>"{directory}/check.sm_90.{key}.cubin".</summary>
    public string PathFor(string module, CompileTarget target, string key) =>
        Path.Combine(Directory, $"{Path.GetFileNameWithoutExtension(module)}.{target}.{key}{target.Extension}");

    public bool TryRead(string path, out byte[] image)
    {
        try
        {
            image = File.ReadAllBytes(path);
            return image.Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            image = [];
            return false;
        }
    }

    /// <summary>Stores <paramref name="image"/>; returns null, or why it could not (a read-only cache costs a compile per start, nothing else).</summary>
    public string? TryWrite(string path, byte[] image)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(temporary, image);
            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return $"could not write {path}: {e.Message}";
        }
    }

    public void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
