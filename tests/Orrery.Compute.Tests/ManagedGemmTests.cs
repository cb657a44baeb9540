using Orrery.Compute.Cpu;
using Orrery.Compute.Native;

namespace Orrery.Compute.Tests;

/// <summary>
/// Orrery's managed SGEMM (the CPU device's GEMM without OpenBLAS) against the float64 reference, within the
/// bound <see cref="GemmReference"/> states, on shapes chosen to hit every edge of its blocking: empty and
/// 1-wide products, sizes that are not multiples of the 6 × 16 micro-kernel, of KC = 256, MC = 144 or
/// NC = 1024, tall and skinny products, padded strides and every transpose, with both kernels.
/// </summary>
public sealed unsafe class ManagedGemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 0, 5, 3 }, { 5, 0, 3 }, { 4, 5, 0 }, { 1, 1, 1 }, { 1, 300, 7 }, { 300, 1, 7 }, { 7, 13, 1 },
        { 6, 16, 256 }, { 5, 15, 255 }, { 7, 17, 257 }, { 37, 29, 53 }, { 150, 1030, 300 },
        { 2000, 16, 784 }, { 16, 200, 3000 }, { 13, 2100, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheFloat64ReferenceForEveryTransposeAndKernel(int m, int n, int k)
    {
        foreach (var kernel in Kernels)
        {
            foreach (var (transposeA, transposeB) in Transposes)
            {
                var problem = GemmReference.Create(transposeA, transposeB, m, n, k, 0.75f, -0.5f, seed: (ulong)(m + n + k));
                var worst = problem.AssertMatches(Run(problem, kernel), what: $"{kernel} ");
                Assert.InRange(worst, 0, 1);
            }
        }
    }

    [Theory]
    [InlineData(1f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(-2f, 0.25f)]
    [InlineData(0.5f, -1f)]
    [InlineData(3f, 2f)]
    public void AlphaAndBetaFollowBlas(float alpha, float beta)
    {
        foreach (var (transposeA, transposeB) in Transposes)
        {
            // k = 600 spans three passes of KC = 256: beta must apply in the first only.
            var problem = GemmReference.Create(transposeA, transposeB, 45, 70, 600, alpha, beta);
            problem.AssertMatches(Run(problem, ManagedGemm.Best));
        }
    }

    [Theory]
    [InlineData(13, 35, 300)]
    [InlineData(4, 5, 0)]
    public void BetaZeroOverwritesCWithoutReadingIt(int m, int n, int k)
    {
        foreach (var kernel in Kernels)
        {
            var problem = GemmReference.Create(MatrixTranspose.None, MatrixTranspose.Transpose, m, n, k, 1.5f, 0f);
            var garbage = (float[])problem.C.Clone();
            for (var i = 0; i < problem.M; i++)
            {
                garbage.AsSpan(i * problem.Ldc, problem.N).Fill(float.NaN);
            }

            var result = Run(problem, kernel, garbage);
            Assert.DoesNotContain(result, float.IsNaN);
            problem.AssertMatches(result, garbage);
        }
    }

    [Fact]
    public void AlphaZeroOnlyScalesCAndReadsNeitherAnorB()
    {
        var problem = GemmReference.Create(MatrixTranspose.Transpose, MatrixTranspose.None, 9, 11, 40, 0f, -0.5f);
        Array.Fill(problem.A, float.NaN);
        var result = Run(problem, ManagedGemm.Best);
        for (var i = 0; i < problem.M; i++)
        {
            for (var j = 0; j < problem.N; j++)
            {
                Assert.Equal(-0.5f * problem.C[(i * problem.Ldc) + j], result[(i * problem.Ldc) + j]);
            }
        }
    }

    [Theory]
    [InlineData(300, 260, 700)]
    [InlineData(16, 784, 3000)]
    [InlineData(3000, 16, 784)]
    public void ResultsAreBitIdenticalOnAnyNumberOfWorkers(int m, int n, int k)
    {
        // k is split at the same multiples of KC whatever the tiles, so the tile plan (1, 3 or all workers) must not show.
        var problem = GemmReference.Create(MatrixTranspose.None, MatrixTranspose.None, m, n, k, 0.75f, -0.5f);
        var serial = Run(problem, ManagedGemm.Best, workers: 1);
        Assert.Equal(serial, Run(problem, ManagedGemm.Best, workers: 3));
        Assert.Equal(serial, Run(problem, ManagedGemm.Best));
        problem.AssertMatches(serial);
    }

    [Fact]
    public void ACpuDeviceWithOpenBlasHiddenRunsTheManagedKernelAndSaysSo()
    {
        // The probe as NativeLibraries builds it, with ORRERY_HIDE_NATIVE_LIBRARIES=cuda,OpenBLAS handed in
        // instead of read from the environment, so the process's own probe is untouched.
        var openBlas = NativeLibraries.OpenBlas;
        var hidden = new NativeLibraryProbe(openBlas.DisplayName, openBlas.ImportName, openBlas.Candidates, openBlas.SearchDirectories, openBlas.InstallHint, openBlas.HideName, "cuda,OpenBLAS");
        using var device = new CpuDevice(null, hidden);

        Assert.False(device.HasOpenBlas);
        Assert.StartsWith("Orrery's managed kernel (", device.GemmNote);
        Assert.Contains("hidden by ORRERY_HIDE_NATIVE_LIBRARIES=cuda,OpenBLAS", device.GemmNote);
        Assert.Contains($"GEMM: {device.GemmNote}", device.ToString());
        Assert.Equal("OpenBLAS hidden by ORRERY_HIDE_NATIVE_LIBRARIES; CPU GEMM uses Orrery's managed kernel (slower): unset it to use OpenBLAS", device.GemmFallbackNotice);

        // The device's product is the managed kernel's, bit for bit (OpenBLAS would sum in another order).
        var problem = GemmReference.Create(MatrixTranspose.Transpose, MatrixTranspose.None, 70, 50, 300, 0.75f, -0.5f);
        using var a = Upload(device, problem.A);
        using var b = Upload(device, problem.B);
        using var c = Upload(device, problem.C);
        device.Sgemm(problem.TransposeA, problem.TransposeB, problem.M, problem.N, problem.K, problem.Alpha, a, problem.Lda, b, problem.Ldb, problem.Beta, c, problem.Ldc);
        var result = c.ToArray();
        Assert.Equal(Run(problem, ManagedGemm.Best), result);
        problem.AssertMatches(result);
    }

    [Fact]
    public void WithoutOpenBlasTheNoticeNamesThePackage()
    {
        var directory = Directory.CreateTempSubdirectory("orrery-native-").FullName;
        try
        {
            var absent = new NativeLibraryProbe("OpenBLAS", NativeLibraries.OpenBlasImport, ["libopenblas-absent.so.0"], [directory], "install it with: apt-get install libopenblas0", "openblas", "");
            using var device = new CpuDevice(null, absent);
            Assert.Equal("OpenBLAS not found; CPU GEMM uses Orrery's managed kernel (slower): apt-get install libopenblas0", device.GemmFallbackNotice);
            Assert.Contains("libopenblas-absent.so.0 not found", device.ToString());
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [SkippableFact]
    public void WhereOpenBlasIsInstalledItAndTheManagedKernelAgreeWithinTheBound()
    {
        // scripts/test.sh installs libopenblas0; the managed side is checked on its own above.
        Skip.IfNot(NativeLibraries.OpenBlas.IsAvailable, "OpenBLAS is not installed (apt-get install libopenblas0)");

        using var device = new CpuDevice();
        Assert.Null(device.GemmFallbackNotice);
        Assert.StartsWith("OpenBLAS ", device.GemmNote);
        foreach (var (m, n, k) in new[] { (37, 29, 53), (192, 192, 192), (150, 1030, 300), (2000, 16, 784), (16, 200, 3000) })
        {
            foreach (var (transposeA, transposeB) in Transposes)
            {
                var problem = GemmReference.Create(transposeA, transposeB, m, n, k, 0.75f, -0.5f);
                using var a = Upload(device, problem.A);
                using var b = Upload(device, problem.B);
                using var c = Upload(device, problem.C);
                device.Sgemm(transposeA, transposeB, m, n, k, problem.Alpha, a, problem.Lda, b, problem.Ldb, problem.Beta, c, problem.Ldc);
                var openBlas = c.ToArray();
                var managed = Run(problem, ManagedGemm.Best);

                // Each is within the bound of the exact value, so they are within twice the bound of each other.
                problem.AssertMatches(openBlas, what: "OpenBLAS ");
                problem.AssertMatches(managed, what: "managed ");
                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var (_, tolerance) = problem.Entry(i, j, problem.C);
                        var difference = Math.Abs((double)openBlas[(i * problem.Ldc) + j] - managed[(i * problem.Ldc) + j]);
                        Assert.True(difference <= 2 * tolerance, $"{problem}: C[{i},{j}] OpenBLAS {openBlas[(i * problem.Ldc) + j]} vs managed {managed[(i * problem.Ldc) + j]}");
                    }
                }
            }
        }
    }

    /// <summary>Both kernels where the CPU has AVX2+FMA (the portable one runs anywhere).</summary>
    private static readonly ManagedGemmKernel[] Kernels =
        ManagedGemm.HasAvx2Fma ? [ManagedGemmKernel.Avx2Fma, ManagedGemmKernel.PortableVector] : [ManagedGemmKernel.PortableVector];

    private static readonly (MatrixTranspose, MatrixTranspose)[] Transposes =
    [
        (MatrixTranspose.None, MatrixTranspose.None), (MatrixTranspose.Transpose, MatrixTranspose.None),
        (MatrixTranspose.None, MatrixTranspose.Transpose), (MatrixTranspose.Transpose, MatrixTranspose.Transpose),
    ];

    /// <summary>The managed product on a copy of <paramref name="c"/> (default: the problem's C).</summary>
    private static float[] Run(GemmReference problem, ManagedGemmKernel kernel, float[]? c = null, int workers = 0)
    {
        var result = (float[])(c ?? problem.C).Clone();
        fixed (float* a = problem.A, b = problem.B, target = result)
        {
            ManagedGemm.Sgemm(problem.TransposeA, problem.TransposeB, problem.M, problem.N, problem.K, problem.Alpha, a, problem.Lda, b, problem.Ldb, problem.Beta, target, problem.Ldc, kernel, workers);
        }

        return result;
    }

    private static DeviceBuffer<float> Upload(CpuDevice device, float[] values)
    {
        var buffer = device.Allocate<float>(values.Length);
        buffer.Upload(values);
        return buffer;
    }
}
