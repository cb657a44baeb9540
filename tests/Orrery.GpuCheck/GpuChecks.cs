using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Compute.Cuda;
using Orrery.Compute.Kernels;

namespace Orrery.GpuCheck;

/// <summary>
/// One GPU against the CPU backend on the same inputs: kernel compilation and the cache, the check
/// kernels bit for bit, cuBLAS against OpenBLAS within a stated tolerance, and the error paths.
/// </summary>
internal sealed class GpuChecks(CudaDevice gpu, CpuDevice cpu, ComputeOptions options, CheckTable table, TextWriter output)
{
    private string Pair => $"{gpu.Name} vs cpu";

    public void Run()
    {
        Guard("NVRTC compile + kernel cache", CompileAndCache);
        Guard("philox_blocks = Random123 known answers", KnownAnswers);
        Guard("philox_fill", PhiloxFill);
        Guard("vector_add", VectorAdd);
        foreach (var (ta, tb) in new[] { (MatrixTranspose.None, MatrixTranspose.None), (MatrixTranspose.Transpose, MatrixTranspose.None), (MatrixTranspose.None, MatrixTranspose.Transpose), (MatrixTranspose.Transpose, MatrixTranspose.Transpose) })
        {
            Guard($"sgemm {Letter(ta)}{Letter(tb)}", () => Sgemm(ta, tb));
        }

        Guard("memory info (orrery_gpu_memory_*)", MemoryInfo);
        Guard("out of memory is reported", OutOfMemory);
        Guard("unknown kernel is reported", UnknownKernel);
        Guard("compile error carries the log", CompileError);
        Guard("timings", Timings);
    }

    private void CompileAndCache()
    {
        // The cache directory is fresh unless --kernel-cache named one, so the first load compiles and writes it...
        var first = gpu.LoadModule("check");
        output.WriteLine($"  {first.Module} for {first.Target}: {(first.FromCache ? "from cache" : "compiled")} in {first.Elapsed.TotalMilliseconds:F0} ms -> {first.CacheFile}{(first.CacheNote is null ? "" : $" ({first.CacheNote})")}");
        var how = first.FromCache ? "loaded from the existing cache (NVRTC not exercised)" : "compiled by NVRTC and cached";
        table.Add($"check.cu {how} for {first.Target}", gpu.Name, first.CacheNote is null, first.CacheNote ?? "");

        // ...and a second device on the same GPU, as a restarted silo would, loads it from there.
        using var again = ComputeDevices.Discover(gpu.Name, options);
        var second = again.Gpus[0].LoadModule("check");
        output.WriteLine($"  {second.Module} again: {(second.FromCache ? "from cache" : "compiled")} in {second.Elapsed.TotalMilliseconds:F0} ms");
        table.Add("kernel cache reload", gpu.Name, second.FromCache && second.CacheFile == first.CacheFile, second.FromCache ? "" : "compiled again instead of loading the cached image");
    }

    private void MemoryInfo()
    {
        // What the silo's GPU memory gauges read: total as the device reports it, and used that grows by
        // at least an allocation of 256 MiB (the driver rounds allocations up; other processes on the GPU
        // could blur this, so run the check on a GPU of its own).
        const long bytes = 256L << 20;
        if (!gpu.TryGetMemoryInfo(out var before, out var error))
        {
            table.Add("cuMemGetInfo", gpu.Name, false, error);
            return;
        }

        GpuMemoryInfo during;
        using (gpu.Allocate<byte>(bytes))
        {
            if (!gpu.TryGetMemoryInfo(out during, out error))
            {
                table.Add("cuMemGetInfo", gpu.Name, false, error);
                return;
            }
        }

        output.WriteLine($"  {gpu.Name}: {before.UsedBytes >> 20} MiB used of {before.TotalBytes >> 20} MiB; {during.UsedBytes >> 20} MiB with a 256 MiB buffer");
        table.Add("memory total = cuDeviceTotalMem", gpu.Name, before.TotalBytes == gpu.MemoryBytes, $"{before.TotalBytes} vs {gpu.MemoryBytes}");
        table.Add("memory used grows by an allocation", gpu.Name, during.UsedBytes - before.UsedBytes >= bytes, $"grew by {during.UsedBytes - before.UsedBytes} bytes");
    }

    private void KnownAnswers()
    {
        var words = CpuChecks.RunKnownAnswers(gpu);
        table.Add("philox_blocks = Random123 known answers", gpu.Name, Comparison.Exact(words, CpuChecks.ExpectedKnownAnswers()), "exact");
    }

    private void PhiloxFill()
    {
        // 2^20 draws starting 1000 below 2^32, so the draw counter carries into its high word midway.
        const int n = 1 << 20;
        const ulong seed = 0xFEEDFACE_CAFEBEEF, stream = 0x1_0000_0003, firstDraw = (1UL << 32) - 1000;
        uint[] Fill(IComputeDevice device)
        {
            using var words = device.Allocate<uint>(4L * n);
            device.Launch(CheckKernels.PhiloxFill, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), new KernelArguments().Add(words).Add(seed).Add(stream).Add(firstDraw).Add(n));
            return words.ToArray();
        }

        table.Add("philox_fill (stream layout)", Pair, Comparison.Exact(Fill(gpu), Fill(cpu)), "exact");
    }

    private void VectorAdd()
    {
        // One correctly rounded add per element: IEEE-754 makes GPU and CPU agree bit for bit. n is not
        // a multiple of the block, so the bounds check in the last block is exercised.
        const int n = (1 << 20) + 3;
        var a = Inputs.Uniforms(1, n);
        var b = Inputs.Uniforms(2, n);
        float[] Add(IComputeDevice device)
        {
            using var x = CpuChecks.Upload(device, a);
            using var y = CpuChecks.Upload(device, b);
            using var sum = device.Allocate<float>(n);
            device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), new KernelArguments().Add(x).Add(y).Add(sum).Add(n));
            return sum.ToArray();
        }

        table.Add("vector_add", Pair, Comparison.Of(Add(gpu), Add(cpu), 0, 0), "exact");
    }

    private void Sgemm(MatrixTranspose transposeA, MatrixTranspose transposeB)
    {
        // Tolerance. Inputs are uniform in [-1, 1), so each product a·b has mean 0 and sd 1/3, and an
        // entry of C = 0.75·AB - 0.5·C0 has sd about 0.75·sqrt(k)/3 = 6 at k = 1024. Both libraries sum
        // in FP32 (u = 2^-24 = 6e-8) in different orders; rounding errors behave like a random walk of
        // about sqrt(k)·u·|partial sum| = 32 · 6e-8 · 6 = 1.2e-5 each (OpenBLAS measured 1.6e-5 at worst
        // against a double-precision loop at this size, on the build machine), so the two libraries differ
        // by under 1e-4. atol = 5e-4 (plus rtol = 1e-5 for the largest entries) leaves a margin of 5x or
        // more over that; TF32 tensor cores (inputs rounded to 2^-11) would differ
        // by about 32 · 5e-4 · 0.33 = 5e-3 and fail, which is the point: the check proves cuBLAS ran in
        // full FP32. A wrong transpose or stride gives errors of O(1).
        const int m = 384, n = 256, k = 1024;
        const float alpha = 0.75f, beta = -0.5f;
        const double atol = 5e-4, rtol = 1e-5;
        var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
        var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
        int lda = columnsA + 4, ldb = columnsB + 4, ldc = n + 4; // padded strides, as workloads' views have
        var a = Inputs.Uniforms(21, rowsA * lda);
        var b = Inputs.Uniforms(22, rowsB * ldb);
        var c = Inputs.Uniforms(23, m * ldc);
        float[] Run(IComputeDevice device)
        {
            using var x = CpuChecks.Upload(device, a);
            using var y = CpuChecks.Upload(device, b);
            using var z = CpuChecks.Upload(device, c);
            device.Sgemm(transposeA, transposeB, m, n, k, alpha, x, lda, y, ldb, beta, z, ldc);
            return z.ToArray();
        }

        var name = $"sgemm {Letter(transposeA)}{Letter(transposeB)} {m}x{n}x{k}";
        var tolerance = $"atol {atol:0E+0} + rtol {rtol:0E+0}";
        if (cpu.HasOpenBlas)
        {
            table.Add($"{name} (cuBLAS vs OpenBLAS)", Pair, Comparison.Of(Run(gpu), Run(cpu), atol, rtol), tolerance);
        }
        else
        {
            var reference = Inputs.ReferenceGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            table.Add($"{name} (cuBLAS vs double loop; no OpenBLAS)", $"{gpu.Name} vs host", Comparison.Of(Run(gpu), reference, atol, rtol), tolerance);
        }
    }

    private void OutOfMemory()
    {
        // 1 PiB: more than any GPU has, refused at once by the driver (a plain allocation, not managed memory).
        try
        {
            using var huge = gpu.Allocate<byte>(1L << 50);
            table.Add("cuMemAlloc_v2(1 PiB) reports CUDA_ERROR_OUT_OF_MEMORY", gpu.Name, false, "the allocation succeeded");
        }
        catch (CudaException e)
        {
            output.WriteLine($"  {e.Message}");
            table.Add("cuMemAlloc_v2(1 PiB) reports CUDA_ERROR_OUT_OF_MEMORY", gpu.Name, e.Call == "cuMemAlloc_v2" && e.ErrorName == "CUDA_ERROR_OUT_OF_MEMORY", e.Message);
        }
    }

    private void UnknownKernel()
    {
        try
        {
            gpu.Launch(new KernelName("check", "no_such_kernel"), LaunchGeometry.Linear(1, 32), new KernelArguments());
            table.Add("unknown kernel reports CUDA_ERROR_NOT_FOUND", gpu.Name, false, "the launch succeeded");
        }
        catch (CudaException e)
        {
            output.WriteLine($"  {e.Message}");
            table.Add("unknown kernel reports CUDA_ERROR_NOT_FOUND", gpu.Name, e.Call == "cuModuleGetFunction" && e.ErrorName == "CUDA_ERROR_NOT_FOUND", e.Message);
        }
    }

    private void CompileError()
    {
        var sources = Directory.CreateTempSubdirectory("orrery-gpucheck-src-");
        try
        {
            File.WriteAllText(Path.Combine(sources.FullName, "broken.cu"), "extern \"C\" __global__ void broken(float* x)\n{\n    x[0] = undefined_thing;\n}\n");
            var brokenOptions = new ComputeOptions { KernelSourceDirectory = sources.FullName, KernelCacheDirectory = options.KernelCacheDirectory };
            using var discovery = ComputeDevices.Discover(gpu.Name, brokenOptions);
            try
            {
                discovery.Gpus[0].LoadModule("broken");
                table.Add("NVRTC error carries the compile log", gpu.Name, false, "broken.cu compiled");
            }
            catch (KernelCompilationException e)
            {
                output.WriteLine($"  {e.Message.ReplaceLineEndings($"{Environment.NewLine}  ")}");
                table.Add("NVRTC error carries the compile log", gpu.Name, e.ErrorName == "NVRTC_ERROR_COMPILATION" && e.Log.Contains("undefined_thing", StringComparison.Ordinal), "");
            }
        }
        finally
        {
            sources.Delete(recursive: true);
        }
    }

    private void Timings()
    {
        // Informational, not pass/fail: each device's time for the same work, measured on the device.
        const int n = 1 << 24, size = 2048;
        foreach (var device in new IComputeDevice[] { gpu, cpu })
        {
            using var x = device.Allocate<float>(n);
            using var y = device.Allocate<float>(n);
            using var sum = device.Allocate<float>(n);
            x.Upload(Inputs.Uniforms(31, n));
            y.Upload(Inputs.Uniforms(32, n));
            var arguments = new KernelArguments().Add(x).Add(y).Add(sum).Add(n);
            device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), arguments);
            var add = device.Measure(() => device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), arguments));

            using var a = device.Allocate<float>(size * size);
            using var b = device.Allocate<float>(size * size);
            using var c = device.Allocate<float>(size * size);
            a.Upload(Inputs.Uniforms(33, size * size));
            b.Upload(Inputs.Uniforms(34, size * size));
            void Gemm() => device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, size, size, size, 1, a, size, b, size, 0, c, size);
            if (device.Kind == DeviceKind.Cpu && !cpu.HasOpenBlas)
            {
                output.WriteLine($"  {device.Name}: vector_add {12.0 * n / add.TotalSeconds / 1e9:F1} GB/s (12 B per element); sgemm skipped (no OpenBLAS)");
                continue;
            }

            Gemm();
            var gemm = device.Measure(Gemm);
            output.WriteLine($"  {device.Name}: vector_add {12.0 * n / add.TotalSeconds / 1e9:F1} GB/s (12 B per element); sgemm {size}^3 {2.0 * size * size * size / gemm.TotalSeconds / 1e12:F2} TFLOP/s");
        }

        table.Add("timings printed above", Pair, true, "");
    }

    private void Guard(string check, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e)
        {
            // A check program finishes its table: any exception is that check's failure.
            table.Add(check, gpu.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static char Letter(MatrixTranspose transpose) => transpose == MatrixTranspose.None ? 'N' : 'T';
}
