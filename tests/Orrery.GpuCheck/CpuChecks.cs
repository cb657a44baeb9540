using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Compute.Kernels;

namespace Orrery.GpuCheck;

/// <summary>The CPU backend's own checks, which run on every machine: they prove the twins and the CPU GEMM (OpenBLAS, or Orrery's managed kernel without it) are the oracle the GPU is held to.</summary>
internal static class CpuChecks
{
    /// <summary>Random123's kat_vectors for philox4x32_10: counter (4 words), key (2 words), output (4 words).</summary>
    public static readonly uint[][] KnownAnswers =
    [
        [0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ];

    public static void Run(CpuDevice cpu, CheckTable table)
    {
        table.Add("philox_blocks = Random123 known answers", cpu.Name, Comparison.Exact(RunKnownAnswers(cpu), ExpectedKnownAnswers()), "exact");

        // 128×96×256, inputs in [-1, 1). Bound: the float dot-product forward error in any summation
        // order, (k + 3)·u·(|α| Σ|a b| + |β| |c|) with u = 2^-24 and Σ|a b| <= k, taken at its largest.
        const int m = 128, n = 96, k = 256;
        const float alpha = 0.75f, beta = -0.5f;
        var a = Inputs.Uniforms(11, m * k);
        var b = Inputs.Uniforms(12, k * n);
        var c = Inputs.Uniforms(13, m * n);
        using var deviceA = Upload(cpu, a);
        using var deviceB = Upload(cpu, b);
        using var deviceC = Upload(cpu, c);
        cpu.Sgemm(MatrixTranspose.None, MatrixTranspose.None, m, n, k, alpha, deviceA, k, deviceB, n, beta, deviceC, n);
        var expected = Inputs.ReferenceGemm(MatrixTranspose.None, MatrixTranspose.None, m, n, k, alpha, a, k, b, n, beta, c, n);
        var atol = (k + 3) * Math.ScaleB(1.0, -24) * ((Math.Abs(alpha) * k) + Math.Abs(beta));
        var gemm = cpu.HasOpenBlas ? "OpenBLAS" : "managed";
        table.Add($"sgemm ({gemm}) vs double reference, {m}x{n}x{k}", cpu.Name, Comparison.Of(deviceC.ToArray(), expected, atol, 0), $"atol {atol:0.0E+0} (γ_k bound)");
    }

    public static uint[] RunKnownAnswers(IComputeDevice device)
    {
        var count = KnownAnswers.Length;
        using var counters = device.Allocate<uint>(4 * count);
        using var keys = device.Allocate<uint>(2 * count);
        using var output = device.Allocate<uint>(4 * count);
        counters.Upload([.. KnownAnswers.SelectMany(row => row[..4])]);
        keys.Upload([.. KnownAnswers.SelectMany(row => row[4..6])]);
        device.Launch(CheckKernels.PhiloxBlocks, LaunchGeometry.Linear(count, CheckKernels.ThreadsPerBlock), new KernelArguments().Add(counters).Add(keys).Add(output).Add(count));
        return output.ToArray();
    }

    public static uint[] ExpectedKnownAnswers() => [.. KnownAnswers.SelectMany(row => row[6..])];

    public static DeviceBuffer<T> Upload<T>(IComputeDevice device, T[] values)
        where T : unmanaged
    {
        var buffer = device.Allocate<T>(values.Length);
        buffer.Upload(values);
        return buffer;
    }
}
