using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>Inputs, devices and bitwise comparisons shared by the tests of kernels/gcn_dense.cu.</summary>
internal static class DenseKernelData
{
    /// <summary>A CPU device with the twins of <see cref="GcnDenseKernels"/> registered (twice: a second registration changes nothing).</summary>
    public static CpuDevice TwinDevice()
    {
        var device = new CpuDevice();
        GcnDenseKernels.Register(device.Kernels);
        GcnDenseKernels.Register(device.Kernels);
        return device;
    }

    /// <summary><paramref name="count"/> values in ±[2^-8, 2^8): many binades, so sums taken in another order round differently.</summary>
    public static float[] Values(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() + 0.5) * (random.Next(2) == 0 ? -1 : 1) * Math.Pow(2, random.Next(-8, 8))))];

    /// <summary>Whether the two arrays hold the same bits.</summary>
    public static bool SameBits(float[] expected, float[] actual) =>
        expected.Length == actual.Length && expected.Select(BitConverter.SingleToUInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToUInt32Bits));

    /// <summary>Fails with the count of differing elements and the first of them unless the two arrays hold the same bits.</summary>
    public static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differing = Enumerable.Range(0, expected.Length).Where(i => BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i])).ToList();
        if (differing.Count > 0)
        {
            var i = differing[0];
            Assert.Fail($"{what}: {differing.Count} of {expected.Length} elements differ; the first, {i}, is {expected[i]:R} expected, {actual[i]:R} actual");
        }
    }
}
