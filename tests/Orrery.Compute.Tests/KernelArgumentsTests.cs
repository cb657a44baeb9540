using Orrery.Compute.Cpu;

namespace Orrery.Compute.Tests;

/// <summary>
/// The 8-byte slots a CUDA launch points cuLaunchKernel at: each must hold the argument's C
/// representation in its low bytes (little-endian), because the driver copies only as many bytes as
/// the kernel's parameter declares.
/// </summary>
public sealed class KernelArgumentsTests
{
    [Fact]
    public unsafe void SlotsHoldEachArgumentsCRepresentation()
    {
        using var device = new CpuDevice();
        using var buffer = device.Allocate<float>(4);
        var arguments = new KernelArguments().Add(buffer).Add(-2).Add(3u).Add(-5L).Add(ulong.MaxValue).Add(1.5f).Add(-0.25);

        Assert.Equal(7, arguments.Count);
        Assert.Equal((ulong)((CpuBuffer<float>)buffer).Pointer, arguments.Slot(0, device));

        ulong Slot(int index) => arguments.Slot(index, device);
        var slot = Slot(1);
        Assert.Equal(-2, *(int*)&slot);
        slot = Slot(2);
        Assert.Equal(3u, *(uint*)&slot);
        slot = Slot(3);
        Assert.Equal(-5L, *(long*)&slot);
        Assert.Equal(ulong.MaxValue, Slot(4));
        slot = Slot(5);
        Assert.Equal(1.5f, *(float*)&slot);
        slot = Slot(6);
        Assert.Equal(-0.25, *(double*)&slot);

        Assert.Equal((-2, 3u, -5L, ulong.MaxValue, 1.5f, -0.25), (arguments.Int32(1), arguments.UInt32(2), arguments.Int64(3), arguments.UInt64(4), arguments.Single(5), arguments.Double(6)));
    }

    [Fact]
    public void ReadingPastTheLastArgumentSaysHowManyThereAre()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new KernelArguments().Add(1).Int32(1));
        Assert.Contains("the launch passed 1 arguments", error.Message);
    }
}
