using System.Runtime.InteropServices;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// NVRTC, CUDA's runtime compiler (<c>libnvrtc.so.13</c>, else <c>.12</c>): CUDA C++ source in, PTX or
/// cubin out. C names verbatim; every function returns an <see cref="NvrtcResult"/>. <c>nvrtcProgram</c> is an
/// opaque pointer. Call <see cref="NativeLibraryProbe.Require"/> on <see cref="NativeLibraries.Nvrtc"/> first.
/// </summary>
internal static unsafe partial class Nvrtc
{
    private const string Library = NativeLibraries.NvrtcImport;

    static Nvrtc() => NativeLibraries.EnsureResolver();

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcVersion(int* major, int* minor);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetNumSupportedArchs(int* numArchs);

    /// <summary>Fills <paramref name="supportedArchs"/> with the architectures this NVRTC can target, ascending (…, 80, 86, 89, 90, …).</summary>
    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetSupportedArchs(int* supportedArchs);

    /// <summary>
    /// Creates a program from NUL-terminated UTF-8 <paramref name="src"/>. <paramref name="headers"/> and
    /// <paramref name="includeNames"/> are parallel arrays: the text of each header and the name an
    /// <c>#include "..."</c> uses for it.
    /// </summary>
    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcCreateProgram(nint* prog, byte* src, byte* name, int numHeaders, byte** headers, byte** includeNames);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcDestroyProgram(nint* prog);

    /// <summary>Compiles; NVRTC_ERROR_COMPILATION means the log says why.</summary>
    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcCompileProgram(nint prog, int numOptions, byte** options);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetProgramLogSize(nint prog, nuint* logSizeRet);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetProgramLog(nint prog, byte* log);

    /// <summary>Size of the cubin; only available when compiled for a real architecture (<c>sm_XY</c>).</summary>
    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetCUBINSize(nint prog, nuint* cubinSizeRet);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetCUBIN(nint prog, byte* cubin);

    /// <summary>Size of the PTX including its NUL terminator.</summary>
    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetPTXSize(nint prog, nuint* ptxSizeRet);

    [LibraryImport(Library)]
    public static partial NvrtcResult nvrtcGetPTX(nint prog, byte* ptx);

    /// <summary>A static string naming <paramref name="result"/>.</summary>
    [LibraryImport(Library)]
    public static partial byte* nvrtcGetErrorString(NvrtcResult result);
}
