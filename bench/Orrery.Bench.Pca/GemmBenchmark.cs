using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Compute.Native;

namespace Orrery.Bench.Pca;

/// <summary>
/// The CPU device's SGEMM on Orrery's managed kernel beside OpenBLAS, same inputs, same process, one after the
/// other: <c>--shapes MxNxK[:TT],...</c> (default 256³, 1024³, the PCA shard products 60000x16x784 and
/// 16x784x60000:TN), <c>--repeats N</c> timed runs after two warm-ups (the median is reported). A product is
/// 2·m·n·k flops. The peak it is compared with is measured, not taken from a clock (a VM's /proc/cpuinfo
/// reports a nominal one): twelve independent 8-wide FMA chains per core on every core, the most the
/// AVX2+FMA kernel could issue. Without OpenBLAS only the managed columns are filled.
/// </summary>
internal static class GemmBenchmark
{
    public static int Run(BenchArguments args)
    {
        var shapes = args.Text("shapes", "256x256x256,1024x1024x1024,60000x16x784,16x784x60000:TN").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var repeats = args.Int("repeats", 7);
        var openBlas = NativeLibraries.OpenBlas;
        var hidden = new NativeLibraryProbe(openBlas.DisplayName, openBlas.ImportName, openBlas.Candidates, openBlas.SearchDirectories, openBlas.InstallHint, openBlas.HideName, openBlas.HideName);
        using var managed = new CpuDevice(null, hidden);
        using var native = new CpuDevice();
        var peak = MeasuredPeakGflops();
        Console.WriteLine($"# gemm: {managed.Model}, {Environment.ProcessorCount} cores, measured AVX2 FMA peak {peak:F0} GFLOP/s; managed: {managed.GemmNote}; OpenBLAS: {native.OpenBlasNote}; median of {repeats}; {DateTime.UtcNow:u}");
        Console.WriteLine("shape,managed_ms,managed_gflops,managed_peak_fraction,openblas_ms,openblas_gflops,managed_over_openblas_time");
        foreach (var shape in shapes)
        {
            var (transposeA, transposeB, m, n, k) = Parse(shape);
            var flops = 2.0 * m * n * k;
            using var managedProduct = new TimedProduct(managed, transposeA, transposeB, m, n, k);
            using var nativeProduct = native.HasOpenBlas ? new TimedProduct(native, transposeA, transposeB, m, n, k) : null;

            // The two alternate, so load from other processes (a shared machine) falls on both alike.
            var managedSeconds = new double[repeats];
            var nativeSeconds = new double[repeats];
            for (var i = -2; i < repeats; i++)
            {
                var managedTime = managedProduct.Run();
                var nativeTime = nativeProduct?.Run() ?? 0;
                if (i >= 0)
                {
                    (managedSeconds[i], nativeSeconds[i]) = (managedTime, nativeTime);
                }
            }

            var managedMedian = Median(managedSeconds);
            var line = $"{shape},{managedMedian * 1e3:F2},{flops / managedMedian / 1e9:F1},{flops / managedMedian / 1e9 / peak:F2}";
            if (nativeProduct is not null)
            {
                var nativeMedian = Median(nativeSeconds);
                line += $",{nativeMedian * 1e3:F2},{flops / nativeMedian / 1e9:F1},{managedMedian / nativeMedian:F2}";
            }
            else
            {
                line += ",,,";
            }

            Console.WriteLine(line);
        }

        return 0;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }

    /// <summary>C = A B on one device with inputs uniform in [-1, 1) (the same on both devices), timed per call.</summary>
    private sealed class TimedProduct : IDisposable
    {
        private readonly CpuDevice _device;
        private readonly MatrixTranspose _transposeA, _transposeB;
        private readonly int _m, _n, _k, _lda, _ldb;
        private readonly DeviceBuffer<float> _a, _b, _c;

        public TimedProduct(CpuDevice device, MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k)
        {
            (_device, _transposeA, _transposeB, _m, _n, _k) = (device, transposeA, transposeB, m, n, k);
            var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
            var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
            (_lda, _ldb) = (columnsA, columnsB);
            _a = Filled(device, (long)rowsA * columnsA, 1);
            _b = Filled(device, (long)rowsB * columnsB, 2);
            _c = device.Allocate<float>((long)m * n);
        }

        /// <summary>Seconds one product took.</summary>
        public double Run()
        {
            var start = Stopwatch.GetTimestamp();
            _device.Sgemm(_transposeA, _transposeB, _m, _n, _k, 1f, _a, _lda, _b, _ldb, 0f, _c, _n);
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
            _c.Dispose();
        }
    }

    private static DeviceBuffer<float> Filled(CpuDevice device, long length, int seed)
    {
        var values = new float[length];
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextSingle() * 2) - 1;
        }

        var buffer = device.Allocate<float>(length);
        buffer.Upload(values);
        return buffer;
    }

    /// <summary>"1024x1024x1024" or "16x784x60000:TN" (op(A) = Aᵀ, op(B) = B).</summary>
    private static (MatrixTranspose A, MatrixTranspose B, int M, int N, int K) Parse(string shape)
    {
        var parts = shape.Split(':');
        var sizes = parts[0].Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (sizes.Length != 3 || (parts.Length == 2 && parts[1].Length != 2))
        {
            throw new ArgumentException($"--shapes: '{shape}' is not MxNxK or MxNxK:TT (TT two of N and T)");
        }

        var transposes = parts.Length == 2 ? parts[1] : "NN";
        static MatrixTranspose Of(char letter) => letter == 'T' ? MatrixTranspose.Transpose : MatrixTranspose.None;
        return (Of(transposes[0]), Of(transposes[1]), sizes[0], sizes[1], sizes[2]);
    }

    /// <summary>
    /// GFLOP/s of twelve independent Vector256 FMA chains per thread, one thread per core, run at once: the issue
    /// rate of the kernel's inner loop with no loads (2 FMA pipes per core on current x64). NaN without FMA.
    /// </summary>
    private static double MeasuredPeakGflops()
    {
        if (!Fma.IsSupported)
        {
            return double.NaN;
        }

        // The best of five tries of ~50 ms: on a shared machine a try can lose its core to another process.
        const int iterations = 10_000_000;
        var sums = new float[Environment.ProcessorCount];
        var best = 0.0;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var start = Stopwatch.GetTimestamp();
            Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = sums.Length }, t => sums[t] = FmaChains(iterations));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, sums.Length * (double)iterations * 12 * Vector256<float>.Count * 2 / seconds / 1e9);
        }

        return best;
    }

    private static float FmaChains(int iterations)
    {
        var x = Vector256.Create(0.999999f);
        var y = Vector256.Create(1e-7f);
        Vector256<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (var i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, x, y);
            c1 = Fma.MultiplyAdd(c1, x, y);
            c2 = Fma.MultiplyAdd(c2, x, y);
            c3 = Fma.MultiplyAdd(c3, x, y);
            c4 = Fma.MultiplyAdd(c4, x, y);
            c5 = Fma.MultiplyAdd(c5, x, y);
            c6 = Fma.MultiplyAdd(c6, x, y);
            c7 = Fma.MultiplyAdd(c7, x, y);
            c8 = Fma.MultiplyAdd(c8, x, y);
            c9 = Fma.MultiplyAdd(c9, x, y);
            c10 = Fma.MultiplyAdd(c10, x, y);
            c11 = Fma.MultiplyAdd(c11, x, y);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
