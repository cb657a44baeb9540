using System.Runtime.InteropServices;

namespace Orrery.Compute.Native;

/// <summary>
/// One native library looked up by its versioned sonames, first in the loader's default search
/// (LD_LIBRARY_PATH, ld.so.cache), then in a few well-known directories. The outcome is computed
/// once and kept, so a missing library costs one probe per process and every later use gets the
/// same clear note instead of a <see cref="DllNotFoundException"/>. A library whose
/// <see cref="HideName"/> is listed in <see cref="HideVariable"/> is reported absent without being
/// loaded, so the paths taken without it (the managed GEMM, the CPU-only discovery) can be run on a
/// machine that has it.
/// </summary>
internal sealed class NativeLibraryProbe
{
    /// <summary>
    /// Comma-separated <see cref="HideName"/>s of libraries to treat as absent ("openblas", "cuda,nvrtc");
    /// names are case-insensitive and unknown names are ignored. Read once per probe, at its first use.
    /// </summary>
    public const string HideVariable = "ORRERY_HIDE_NATIVE_LIBRARIES";

    private readonly Lazy<(nint Handle, string Note, bool Hidden)> _outcome;
    private readonly string? _hiddenLibraries;

    /// <summary>
    /// A probe for <paramref name="candidates"/>. <paramref name="hiddenLibraries"/> stands in for the value of
    /// <see cref="HideVariable"/> (tests); null reads the variable.
    /// </summary>
    public NativeLibraryProbe(
        string displayName, string importName, IReadOnlyList<string> candidates, IReadOnlyList<string> searchDirectories, string installHint,
        string hideName = "", string? hiddenLibraries = null)
    {
        DisplayName = displayName;
        ImportName = importName;
        Candidates = candidates;
        SearchDirectories = searchDirectories;
        InstallHint = installHint;
        HideName = hideName;
        _hiddenLibraries = hiddenLibraries;
        _outcome = new Lazy<(nint, string, bool)>(Probe, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>What people call it: "CUDA driver", "NVRTC", "cuBLAS", "OpenBLAS".</summary>
    public string DisplayName { get; }

    /// <summary>The name the <c>[LibraryImport]</c> declarations use; the resolver maps it to <see cref="Candidates"/>.</summary>
    public string ImportName { get; }

    /// <summary>Sonames tried in order, newest first.</summary>
    public IReadOnlyList<string> Candidates { get; }

    public IReadOnlyList<string> SearchDirectories { get; }

    public string InstallHint { get; }

    /// <summary>The name that hides this library when listed in <see cref="HideVariable"/>: "openblas", "cuda", "nvrtc", "cublas"; empty for none.</summary>
    public string HideName { get; }

    /// <summary>True when <see cref="HideVariable"/> listed <see cref="HideName"/>, so the library was not loaded.</summary>
    public bool IsHidden => _outcome.Value.Hidden;

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

    /// <summary>True when <paramref name="hiddenLibraries"/> (the value of <see cref="HideVariable"/>) lists <paramref name="hideName"/>.</summary>
    public static bool Lists(string? hiddenLibraries, string hideName) =>
        hideName.Length > 0 && hiddenLibraries is { Length: > 0 }
        && hiddenLibraries.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(hideName, StringComparer.OrdinalIgnoreCase);

    private (nint, string, bool) Probe()
    {
        var hidden = _hiddenLibraries ?? Environment.GetEnvironmentVariable(HideVariable);
        if (Lists(hidden, HideName))
        {
            return (0, $"{string.Join(", ", Candidates)} hidden by {HideVariable}={hidden}", true);
        }

        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return (handle, candidate, false);
            }
        }

        foreach (var directory in SearchDirectories)
        {
            foreach (var candidate in Candidates)
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
                {
                    return (handle, path, false);
                }
            }
        }

        var searched = SearchDirectories.Count == 0 ? "" : $" (searched the loader path and {string.Join(", ", SearchDirectories)})";
        return (0, $"{string.Join(", ", Candidates)} not found{searched}; {InstallHint}", false);
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
