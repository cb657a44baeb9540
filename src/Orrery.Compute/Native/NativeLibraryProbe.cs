using System.Runtime.InteropServices;

namespace Orrery.Compute.Native;

/// <summary>
/// One native library looked up by its versioned sonames, first in the loader's default search
/// (LD_LIBRARY_PATH, ld.so.cache), then in a few well-known directories. The outcome is computed
/// once and kept, so a missing library costs one probe per process and every later use gets the
/// same clear note instead of a <see cref="DllNotFoundException"/>.
/// </summary>
internal sealed class NativeLibraryProbe
{
    private readonly Lazy<(nint Handle, string Note)> _outcome;

    public NativeLibraryProbe(string displayName, string importName, IReadOnlyList<string> candidates, IReadOnlyList<string> searchDirectories, string installHint)
    {
        DisplayName = displayName;
        ImportName = importName;
        Candidates = candidates;
        SearchDirectories = searchDirectories;
        InstallHint = installHint;
        _outcome = new Lazy<(nint, string)>(Probe, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>What people call it: "CUDA driver", "NVRTC", "cuBLAS", "OpenBLAS".</summary>
    public string DisplayName { get; }

    /// <summary>The name the <c>[LibraryImport]</c> declarations use; the resolver maps it to <see cref="Candidates"/>.</summary>
    public string ImportName { get; }

    /// <summary>Sonames tried in order, newest first.</summary>
    public IReadOnlyList<string> Candidates { get; }

    public IReadOnlyList<string> SearchDirectories { get; }

    public string InstallHint { get; }

    public bool IsAvailable => _outcome.Value.Handle != 0;

    /// <summary>The loaded file ("libnvrtc.so.13") or why none loaded.</summary>
    public string Note => _outcome.Value.Note;

    /// <summary>The library handle, or 0 when it is absent.</summary>
    public nint Handle => _outcome.Value.Handle;

    /// <summary>Throws <see cref="NativeLibraryMissingException"/> unless the library is loaded.</summary>
    public void Require()
    {
        if (!IsAvailable)
        {
            throw new NativeLibraryMissingException(DisplayName, Note);
        }
    }

    private (nint, string) Probe()
    {
        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return (handle, candidate);
            }
        }

        foreach (var directory in SearchDirectories)
        {
            foreach (var candidate in Candidates)
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
                {
                    return (handle, path);
                }
            }
        }

        var searched = SearchDirectories.Count == 0 ? "" : $" (searched the loader path and {string.Join(", ", SearchDirectories)})";
        return (0, $"{string.Join(", ", Candidates)} not found{searched}; {InstallHint}");
    }

    /// <summary>The resolver hook: the handle for <paramref name="libraryName"/> when it is ours.</summary>
    public bool TryResolve(string libraryName, out nint handle)
    {
        handle = 0;
        if (libraryName != ImportName)
        {
            return false;
        }

        handle = Handle;
        return true;
    }
}
