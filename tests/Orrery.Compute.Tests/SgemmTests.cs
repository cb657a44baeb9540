using Orrery.Compute.Cpu;

namespace Orrery.Compute.Tests;

public sealed class SgemmTests : IDisposable
{
    private readonly CpuDevice _device = new();

    public void Dispose() => _device.Dispose();

    // Odd sizes, padded row strides, every transpose combination, alpha and beta not 0 or 1; then a
    // square size large enough for OpenBLAS's blocked, threaded kernels. The device runs OpenBLAS where it is
    // installed and Orrery's managed kernel otherwise (ManagedGemmTests checks that one on its own).
    [Theory]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None, 37, 29, 53)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.None, 37, 29, 53)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.Transpose, 37, 29, 53)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose, 37, 29, 53)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None, 192, 192, 192)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose, 1, 300, 7)]
    public void CpuDeviceSgemmMatchesTheFloat64Reference(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k)
    {
        // Tolerance: the γ_k bound GemmReference states, (k + 3)·u·(|α| Σ_l |a_il b_lj| + |β| |c_ij|), u = 2^-24.
        var problem = GemmReference.Create(transposeA, transposeB, m, n, k, 0.75f, -0.5f);
        using var deviceA = _device.Allocate<float>(problem.A.Length);
        using var deviceB = _device.Allocate<float>(problem.B.Length);
        using var deviceC = _device.Allocate<float>(problem.C.Length);
        deviceA.Upload(problem.A);
        deviceB.Upload(problem.B);
        deviceC.Upload(problem.C);
        _device.Sgemm(transposeA, transposeB, m, n, k, problem.Alpha, deviceA, problem.Lda, deviceB, problem.Ldb, problem.Beta, deviceC, problem.Ldc);
        Assert.InRange(problem.AssertMatches(deviceC.ToArray(), what: $"{_device.GemmNote}: "), 0, 1);
    }

    [Fact]
    public void ShapesAndStridesAreCheckedBeforeBlasSeesThem()
    {
        using var a = _device.Allocate<float>(6);
        using var b = _device.Allocate<float>(9);
        using var c = _device.Allocate<float>(4);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2));
        Assert.Contains("lda is 2; a is stored 2×3 row-major, so it must be at least 3", error.Message);

        var shortBuffer = Assert.Throws<ArgumentException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 3, 3, 1, a, 3, b, 3, 0, c, 3));
        Assert.Contains("c holds 4 floats; 2×3 with row stride 3 needs 6", shortBuffer.Message);

        using var other = new CpuDevice();
        using var foreign = other.Allocate<float>(6);
        var elsewhere = Assert.Throws<ArgumentException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 2, 3, 1, a, 3, foreign, 2, 0, c, 2));
        Assert.Contains("sgemm: b lives on cpu", elsewhere.Message);
    }
}
