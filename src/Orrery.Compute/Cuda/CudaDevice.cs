using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Orrery.Compute.Kernels;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// One NVIDIA GPU through the driver API: its primary context, one non-blocking stream that every copy,
/// launch and GEMM goes through in order, kernels compiled by NVRTC from <c>kernels/</c> at first use
/// (and cached on disk), and GEMM by cuBLAS. Thread-safe: each call makes the context current on the
/// calling thread first.
/// </summary>
public sealed unsafe class CudaDevice : IComputeDevice
{
    /// <summary>NVRTC options besides the architecture. Part of the cache key.</summary>
    private static readonly string[] LanguageOptions = ["--std=c++17"];

    /// <summary>
    /// Options of single modules, after <see cref="LanguageOptions"/>. Part of the cache key.
    /// metric_graph.cu must round like the CPU sampler and gcn.cu, gcn_dense.cu, gcn_loss.cu and gcn_rows.cu like their twins in Orrery.Gcn, so no
    /// multiply-add is contracted into an FMA (their sources also use the _rn intrinsics, which are never
    /// contracted; this keeps any plain expression added later honest too).
    /// </summary>
    private static readonly Dictionary<string, string[]> ModuleOptions = new(StringComparer.Ordinal)
    {
        ["gcn"] = ["--fmad=false"],
        ["gcn_dense"] = ["--fmad=false"],
        ["gcn_loss"] = ["--fmad=false"],
        ["gcn_rows"] = ["--fmad=false"],
        ["metric_graph"] = ["--fmad=false"],
    };

    private readonly CudaDeviceInfo _info;
    private readonly CompileTarget _target;
    private readonly KernelSources _sources;
    private readonly KernelCache _cache;
    private readonly CudaPrimaryContext _context;
    private readonly CudaStream _stream;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (CudaModule Module, KernelModuleLoad Load)> _modules = new(StringComparer.Ordinal);
    private CublasHandle? _cublas;
    private bool _disposed;

    internal CudaDevice(CudaDeviceInfo info, IReadOnlyCollection<int> nvrtcArchitectures, KernelSources sources, KernelCache cache)
    {
        _info = info;
        _target = CompileTarget.Choose(info.Architecture, nvrtcArchitectures);
        _sources = sources;
        _cache = cache;
        _context = CudaPrimaryContext.Retain(info.Handle, info.Name);
        try
        {
            _stream = CudaStream.Create(_context, info.Name);
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    public string Name => _info.Name;

    public DeviceKind Kind => DeviceKind.Cuda;

    public int Ordinal => _info.Ordinal;

    public string Model => _info.Model;

    public long MemoryBytes => _info.MemoryBytes;

    /// <summary>Streaming multiprocessors.</summary>
    public int Multiprocessors => _info.Multiprocessors;

    /// <summary>The device's architecture from its compute capability: "sm_90" for 9.0.</summary>
    public string Architecture => $"sm_{_info.Architecture}";

    /// <summary>What kernels are compiled for: <see cref="Architecture"/>, or "compute_XY" PTX when NVRTC is older than the GPU.</summary>
    public string KernelTarget => _target.ToString();

    /// <summary>Where compiled kernels are cached.</summary>
    public string KernelCacheDirectory => _cache.Directory;

    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var memory = CudaMemory.Allocate(_context, checked(length * sizeof(T)), Name);
        return new CudaBuffer<T>(this, memory, length);
    }

    public void Launch(KernelName kernel, LaunchGeometry geometry, KernelArguments arguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(arguments);
        var function = Function(kernel);
        if (geometry.IsEmpty)
        {
            return;
        }

        // One 8-byte slot per argument and a pointer to each: cuLaunchKernel copies as many bytes from
        // each pointer as the kernel's parameter declares (4 for int/float, 8 for pointers and 64-bit).
        var count = arguments.Count;
        var slots = stackalloc ulong[Math.Max(1, count)];
        var pointers = stackalloc void*[Math.Max(1, count)];
        for (var i = 0; i < count; i++)
        {
            slots[i] = arguments.Slot(i, this);
            pointers[i] = &slots[i];
        }

        _context.MakeCurrent();
        CudaErrors.Check(
            CudaDriver.cuLaunchKernel(
                function, geometry.Grid.X, geometry.Grid.Y, geometry.Grid.Z, geometry.Block.X, geometry.Block.Y, geometry.Block.Z,
                geometry.SharedMemoryBytes, _stream.Value, pointers, null),
            nameof(CudaDriver.cuLaunchKernel), $"{kernel} on {Name}, {geometry}");
    }

    public void Sgemm(
        MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, DeviceBuffer<float> b, int ldb,
        float beta, DeviceBuffer<float> c, int ldc)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        GemmArguments.Validate(this, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        var cublas = Cublas();
        _context.MakeCurrent();

        // cuBLAS is column-major: its first operand is our B, its second our A (see CublasGemmCall).
        var call = CublasGemmCall.FromRowMajor(transposeA, transposeB, m, n, k, lda, ldb, ldc);
        CudaErrors.Check(
            CuBlas.cublasSgemm_v2(
                cublas.Value, call.TransA, call.TransB, call.M, call.N, call.K,
                &alpha, ((IDeviceMemory)b).Address, call.Lda, ((IDeviceMemory)a).Address, call.Ldb, &beta, ((IDeviceMemory)c).Address, call.Ldc),
            nameof(CuBlas.cublasSgemm_v2), $"{m}×{n}×{k} on {Name}");
    }

    public void Synchronize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Synchronize(Name);
    }

    public TimeSpan Measure(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var start = CudaEvent.Create(_context);
        using var end = CudaEvent.Create(_context);
        start.Record(_stream);
        work();
        end.Record(_stream);
        end.Synchronize();
        return end.Since(start);
    }

    /// <summary>
    /// Loads <c>kernels/<paramref name="module"/>.cu</c> now rather than at its first launch (a silo
    /// does this at start so the first request does not pay the compile), and says how.
    /// </summary>
    public KernelModuleLoad LoadModule(string module)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            return LoadModuleLocked(module).Load;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _cublas?.Dispose();
            foreach (var (module, _) in _modules.Values)
            {
                module.Dispose();
            }

            _modules.Clear();
            _stream.Dispose();

            // Buffers still alive hold the context; it is released after the last of them.
            _context.Dispose();
        }
    }

    /// <summary>
    /// Reads the device's free and total memory through <c>cuMemGetInfo</c> (device-wide: other processes'
    /// allocations count as used). False when the device is disposed or the driver refuses (a lost GPU, a
    /// sticky error), with <paramref name="error"/> naming the call and the error; a scrape reports nothing
    /// for the device then rather than throw.
    /// </summary>
    public bool TryGetMemoryInfo(out GpuMemoryInfo memory, [NotNullWhen(false)] out string? error)
    {
        memory = default;
        var referenced = false;
        var result = CudaResult.CUDA_SUCCESS;
        var call = nameof(CudaDriver.cuCtxSetCurrent);
        nuint free = 0, total = 0;
        try
        {
            // A reference keeps the context alive should the device be disposed during a scrape.
            if (!_disposed)
            {
                _context.DangerousAddRef(ref referenced);
            }

            if (!referenced)
            {
                error = $"{Name} is disposed";
                return false;
            }

            result = CudaDriver.cuCtxSetCurrent(_context.DangerousGetHandle());
            if (result == CudaResult.CUDA_SUCCESS)
            {
                result = CudaDriver.cuMemGetInfo_v2(&free, &total);
                call = nameof(CudaDriver.cuMemGetInfo_v2);
            }
        }
        catch (ObjectDisposedException)
        {
            error = $"{Name} is disposed";
            return false;
        }
        finally
        {
            if (referenced)
            {
                _context.DangerousRelease();
            }
        }

        if (result != CudaResult.CUDA_SUCCESS)
        {
            error = CudaErrors.Exception(result, call, Name).Message;
            return false;
        }

        memory = new GpuMemoryInfo((long)free, (long)total);
        error = null;
        return true;
    }

    public override string ToString() => _info.ToString();

    internal void CopyToDevice(ulong destination, void* source, long bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
        CudaErrors.Check(CudaDriver.cuMemcpyHtoDAsync_v2(destination, source, (nuint)bytes, _stream.Value), nameof(CudaDriver.cuMemcpyHtoDAsync_v2), $"{bytes} bytes to {Name}");

        // The source is pageable managed memory, pinned only for this call: wait until the copy has
        // consumed it. (Pinned staging buffers would let uploads overlap kernels; not needed yet.)
        _stream.Synchronize(Name);
    }

    internal void CopyToHost(void* destination, ulong source, long bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
        CudaErrors.Check(CudaDriver.cuMemcpyDtoHAsync_v2(destination, source, (nuint)bytes, _stream.Value), nameof(CudaDriver.cuMemcpyDtoHAsync_v2), $"{bytes} bytes from {Name}");
        _stream.Synchronize(Name);
    }

    private nint Function(KernelName kernel)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return LoadModuleLocked(kernel.Module).Module.Function(kernel.Function, $"{kernel.Module}.cu");
        }
    }

    private CublasHandle Cublas()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cublas is null)
            {
                NativeLibraries.CuBlas.Require();
                _cublas = CublasHandle.Create(_context, _stream, Name);
            }

            return _cublas;
        }
    }

    private (CudaModule Module, KernelModuleLoad Load) LoadModuleLocked(string module)
    {
        if (_modules.TryGetValue(module, out var loaded))
        {
            return loaded;
        }

        var file = $"{module}.cu";
        _sources.Text(file);
        string[] options = [_target.Option, .. LanguageOptions, .. ModuleOptions.GetValueOrDefault(module, [])];
        var key = KernelCache.ComputeKey(_sources, file, _target, options);
        var path = _cache.PathFor(file, _target, key);
        var started = Stopwatch.GetTimestamp();
        string? note = null;

        if (_cache.TryRead(path, out var cachedImage))
        {
            var result = CudaModule.TryLoad(_context, cachedImage, out var cached);
            if (result == CudaResult.CUDA_SUCCESS)
            {
                return _modules[module] = (cached!, new KernelModuleLoad(file, _target.ToString(), true, Stopwatch.GetElapsedTime(started), path, null));
            }

            if (result is not (CudaResult.CUDA_ERROR_INVALID_IMAGE or CudaResult.CUDA_ERROR_INVALID_PTX
                or CudaResult.CUDA_ERROR_NO_BINARY_FOR_GPU or CudaResult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION))
            {
                CudaErrors.Check(result, nameof(CudaDriver.cuModuleLoadData), $"{path} on {Name}");
            }

            // A damaged or foreign file under our name: drop it and compile afresh.
            note = $"cached image rejected ({CudaErrors.Name(result)}), recompiled";
            _cache.TryDelete(path);
        }

        NativeLibraries.Nvrtc.Require();
        var image = NvrtcProgram.Compile(_sources, file, _target, options);
        var writeProblem = _cache.TryWrite(path, image);
        note = note is null ? writeProblem : writeProblem is null ? note : $"{note}; {writeProblem}";
        CudaErrors.Check(CudaModule.TryLoad(_context, image, out var compiled), nameof(CudaDriver.cuModuleLoadData), $"{file} compiled for {_target} on {Name}");
        return _modules[module] = (compiled!, new KernelModuleLoad(file, _target.ToString(), false, Stopwatch.GetElapsedTime(started), path, note));
    }
}
