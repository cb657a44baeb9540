using Orrery.Compute.Cpu;
using Orrery.Compute.Kernels;
using Orrery.Compute.Random;

namespace Orrery.Compute.Tests;

public sealed class CpuDeviceTests : IDisposable
{
    private readonly CpuDevice _device = new();

    public void Dispose() => _device.Dispose();

    [Fact]
    public void DescribesTheHost()
    {
        Assert.Equal("cpu", _device.Name);
        Assert.Equal(DeviceKind.Cpu, _device.Kind);
        Assert.Equal(Environment.ProcessorCount, _device.Multiprocessors);
        Assert.True(_device.MemoryBytes > 0);
        Assert.False(string.IsNullOrWhiteSpace(_device.Model));
    }

    [Fact]
    public void BuffersRoundTripWholeAndInParts()
    {
        using var buffer = _device.Allocate<double>(1000);
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.5).ToArray();
        buffer.Upload(values);
        Assert.Equal(values, buffer.ToArray());

        buffer.Upload([-1.0, -2.0, -3.0], offset: 997);
        var tail = new double[5];
        buffer.Download(tail, offset: 995);
        Assert.Equal([497.5, 498.0, -1.0, -2.0, -3.0], tail);
        Assert.Equal(8000, buffer.SizeInBytes);
    }

    [Fact]
    public void BufferCopiesOutsideTheBufferAreRejected()
    {
        using var buffer = _device.Allocate<int>(4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Upload([1, 2, 3], offset: 2));
        Assert.Contains("[2, 5)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Download(new int[1], offset: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _device.Allocate<int>(0));
    }

    [Fact]
    public void DisposedBuffersRefuseCopiesAndLaunches()
    {
        var buffer = _device.Allocate<float>(8);
        buffer.Dispose();
        buffer.Dispose();
        Assert.True(buffer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => buffer.Upload([1f]));
        var arguments = new KernelArguments().Add(buffer).Add(buffer).Add(buffer).Add(8);
        Assert.Throws<ObjectDisposedException>(() => _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(8, 256), arguments));
    }

    [Fact]
    public void VectorAddTwinAddsElementwiseAcrossChunks()
    {
        // 200 003 elements: more than one 64 K chunk, and not a multiple of the block size.
        const int n = 200_003;
        using var a = _device.Allocate<float>(n);
        using var b = _device.Allocate<float>(n);
        using var c = _device.Allocate<float>(n);
        var x = Enumerable.Range(0, n).Select(i => i * 0.25f).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 1f / (i + 1)).ToArray();
        a.Upload(x);
        b.Upload(y);

        _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), new KernelArguments().Add(a).Add(b).Add(c).Add(n));

        var sum = c.ToArray();
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(x[i] + y[i], sum[i]);
        }
    }

    [Fact]
    public void PhiloxFillTwinFollowsTheStreamLayout()
    {
        const int n = 70_000;
        using var output = _device.Allocate<uint>(4L * n);
        var arguments = new KernelArguments().Add(output).Add(42UL).Add(7UL).Add(1000UL).Add(n);
        _device.Launch(CheckKernels.PhiloxFill, LaunchGeometry.Linear(n, CheckKernels.ThreadsPerBlock), arguments);

        var words = output.ToArray();
        foreach (var i in new[] { 0, 1, 65_535, 65_536, n - 1 })
        {
            var block = Philox4x32.Generate(42, 7, 1000 + (ulong)i);
            Assert.Equal([block.X0, block.X1, block.X2, block.X3], words[(4 * i)..((4 * i) + 4)]);
        }
    }

    [Fact]
    public void PhiloxBlocksTwinReproducesRandom123()
    {
        using var counters = _device.Allocate<uint>(4);
        using var keys = _device.Allocate<uint>(2);
        using var output = _device.Allocate<uint>(4);
        counters.Upload([0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u]);
        keys.Upload([0xa4093822u, 0x299f31d0u]);
        _device.Launch(CheckKernels.PhiloxBlocks, LaunchGeometry.Linear(1, 256), new KernelArguments().Add(counters).Add(keys).Add(output).Add(1));
        Assert.Equal([0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u], output.ToArray());
    }

    [Fact]
    public void LaunchesCheckArgumentTypesAndOwnership()
    {
        using var a = _device.Allocate<float>(4);
        using var ints = _device.Allocate<int>(4);

        var wrongType = new KernelArguments().Add(a).Add(ints).Add(a).Add(4);
        var error = Assert.Throws<ArgumentException>(() => _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(4, 256), wrongType));
        Assert.Contains("argument 1 is a buffer of Int32; the kernel reads it as Single", error.Message);

        var wrongScalar = new KernelArguments().Add(a).Add(a).Add(a).Add(4L);
        error = Assert.Throws<ArgumentException>(() => _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(4, 256), wrongScalar));
        Assert.Contains("argument 3 is a long long; the kernel reads it as an int", error.Message);

        var tooShort = new KernelArguments().Add(a).Add(a).Add(a).Add(5);
        Assert.Throws<ArgumentException>(() => _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(5, 256), tooShort));

        using var other = new CpuDevice();
        using var foreign = other.Allocate<float>(4);
        error = Assert.Throws<ArgumentException>(() => _device.Launch(CheckKernels.VectorAdd, LaunchGeometry.Linear(4, 256), new KernelArguments().Add(foreign).Add(a).Add(a).Add(4)));
        Assert.Contains("argument 0", error.Message);
    }

    [Fact]
    public void UnknownKernelsNameTheFix()
    {
        var error = Assert.Throws<ComputeException>(() => _device.Launch(new KernelName("particles", "step"), LaunchGeometry.Linear(1, 32), new KernelArguments()));
        Assert.Contains("no CPU twin is registered for particles.cu:step", error.Message);
    }

    [Fact]
    public void RegisteredTwinsRunAndEmptyLaunchesDoNothing()
    {
        var registry = new CpuKernelRegistry();
        var calls = 0;
        var scale = new KernelName("test", "scale");
        registry.Register(scale, (_, arguments) =>
        {
            calls++;
            var data = arguments.Span<float>(0);
            var factor = arguments.Single(1);
            for (var i = 0; i < data.Length; i++)
            {
                data[i] *= factor;
            }
        });
        Assert.Throws<ArgumentException>(() => registry.Register(scale, (_, _) => { }));

        using var device = new CpuDevice(registry);
        using var data = device.Allocate<float>(3);
        data.Upload([1f, 2f, 3f]);
        device.Launch(scale, LaunchGeometry.Linear(3, 32), new KernelArguments().Add(data).Add(2.5f));
        device.Launch(scale, LaunchGeometry.Linear(0, 32), new KernelArguments().Add(data).Add(100f));
        Assert.Equal([2.5f, 5f, 7.5f], data.ToArray());
        Assert.Equal(1, calls);
    }

    [Fact]
    public void LinearGeometryRoundsBlocksUp()
    {
        var geometry = LaunchGeometry.Linear(1_000_001, 256);
        Assert.Equal(3907u, geometry.Grid.X);
        Assert.Equal(256u, geometry.Block.X);
        Assert.True(LaunchGeometry.Linear(0, 256).IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchGeometry.Linear(10, 2048));
    }
}
