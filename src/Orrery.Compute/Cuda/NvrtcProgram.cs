using System.Runtime.InteropServices;
using System.Text;
using Orrery.Compute.Kernels;

namespace Orrery.Compute.Cuda;

/// <summary>One NVRTC program: created from a source and its headers, compiled once, then read out as cubin or PTX.</summary>
internal sealed unsafe class NvrtcProgram : SafeHandle
{
    private NvrtcProgram()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>NVRTC's version, (13, 0) for CUDA 13.0.</summary>
    public static (int Major, int Minor) Version()
    {
        int major, minor;
        CudaErrors.Check(Nvrtc.nvrtcVersion(&major, &minor), nameof(Nvrtc.nvrtcVersion));
        return (major, minor);
    }

    /// <summary>The architectures this NVRTC compiles for (90 for sm_90), ascending.</summary>
    public static int[] SupportedArchitectures()
    {
        int count;
        CudaErrors.Check(Nvrtc.nvrtcGetNumSupportedArchs(&count), nameof(Nvrtc.nvrtcGetNumSupportedArchs));
        var architectures = new int[count];
        fixed (int* values = architectures)
        {
            CudaErrors.Check(Nvrtc.nvrtcGetSupportedArchs(values), nameof(Nvrtc.nvrtcGetSupportedArchs));
        }

        return architectures;
    }

    /// <summary>
    /// Compiles <paramref name="module"/> ("check.cu") with the headers it includes, for <paramref name="target"/>,
    /// and returns the image: the cubin, or the PTX with its terminating NUL (as <c>cuModuleLoadData</c> wants it).
    /// Throws <see cref="KernelCompilationException"/> with NVRTC's log when the source does not compile.
    /// </summary>
    public static byte[] Compile(KernelSources sources, string module, CompileTarget target, IReadOnlyList<string> options)
    {
        var includes = sources.IncludesOf(module);
        using var strings = new Utf8Strings();
        var headers = stackalloc byte*[Math.Max(1, includes.Count)];
        var includeNames = stackalloc byte*[Math.Max(1, includes.Count)];
        for (var i = 0; i < includes.Count; i++)
        {
            headers[i] = strings.Add(sources.Text(includes[i]));
            includeNames[i] = strings.Add(includes[i]);
        }

        var optionPointers = stackalloc byte*[Math.Max(1, options.Count)];
        for (var i = 0; i < options.Count; i++)
        {
            optionPointers[i] = strings.Add(options[i]);
        }

        using var program = new NvrtcProgram();
        nint value;
        CudaErrors.Check(
            Nvrtc.nvrtcCreateProgram(&value, strings.Add(sources.Text(module)), strings.Add(module), includes.Count, headers, includeNames),
            nameof(Nvrtc.nvrtcCreateProgram), module);
        program.SetHandle(value);

        var result = Nvrtc.nvrtcCompileProgram(value, options.Count, optionPointers);
        if (result != NvrtcResult.NVRTC_SUCCESS)
        {
            throw new KernelCompilationException(module, target.ToString(), (int)result, CudaErrors.Name(result), program.Log());
        }

        return target.IsCubin ? program.Cubin(module) : program.Ptx(module);
    }

    /// <summary>The compile log (warnings too); empty when there is none.</summary>
    public string Log()
    {
        nuint size;
        CudaErrors.Check(Nvrtc.nvrtcGetProgramLogSize(handle, &size), nameof(Nvrtc.nvrtcGetProgramLogSize));
        if (size <= 1)
        {
            return "";
        }

        var log = new byte[size];
        fixed (byte* text = log)
        {
            CudaErrors.Check(Nvrtc.nvrtcGetProgramLog(handle, text), nameof(Nvrtc.nvrtcGetProgramLog));
        }

        return Encoding.UTF8.GetString(log, 0, (int)size - 1);
    }

    protected override bool ReleaseHandle()
    {
        var value = handle;
        return Nvrtc.nvrtcDestroyProgram(&value) == NvrtcResult.NVRTC_SUCCESS;
    }

    private byte[] Cubin(string module)
    {
        nuint size;
        CudaErrors.Check(Nvrtc.nvrtcGetCUBINSize(handle, &size), nameof(Nvrtc.nvrtcGetCUBINSize), module);
        var image = new byte[size];
        fixed (byte* data = image)
        {
            CudaErrors.Check(Nvrtc.nvrtcGetCUBIN(handle, data), nameof(Nvrtc.nvrtcGetCUBIN), module);
        }

        return image;
    }

    private byte[] Ptx(string module)
    {
        nuint size;
        CudaErrors.Check(Nvrtc.nvrtcGetPTXSize(handle, &size), nameof(Nvrtc.nvrtcGetPTXSize), module);
        var image = new byte[size];
        fixed (byte* data = image)
        {
            CudaErrors.Check(Nvrtc.nvrtcGetPTX(handle, data), nameof(Nvrtc.nvrtcGetPTX), module);
        }

        return image;
    }

    /// <summary>NUL-terminated UTF-8 copies in native memory, freed together.</summary>
    private sealed class Utf8Strings : IDisposable
    {
        private readonly List<nint> _allocations = [];

        public byte* Add(string text)
        {
            var pointer = Marshal.StringToCoTaskMemUTF8(text);
            _allocations.Add(pointer);
            return (byte*)pointer;
        }

        public void Dispose()
        {
            foreach (var pointer in _allocations)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            _allocations.Clear();
        }
    }
}
