namespace Orrery.Compute.Native;

/// <summary>A native library the compute backend needs (CUDA driver, NVRTC, cuBLAS, OpenBLAS) could not be loaded.</summary>
public sealed class NativeLibraryMissingException : ComputeException
{
    public NativeLibraryMissingException(string library, string note)
        : base($"{library} is not available: {note}")
    {
        Library = library;
        Note = note;
    }

    /// <summary>The library as people call it: "NVRTC", "cuBLAS", ...</summary>
    public string Library { get; }

    /// <summary>Which sonames were tried, where, and how to install the library.</summary>
    public string Note { get; }
}
