using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tests.Tensors;

/// <summary>
/// The tensor store and channel between channels in one process, each on its own loopback port: the same sockets,
/// framing and handshake as between silo processes.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class TensorChannelTests : IAsyncLifetime
{
    private const string Secret = "tensor-test-secret";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly List<TensorChannel> _channels = [];
    private long _generation = 1;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            await channel.DisposeAsync();
        }
    }

    [Fact]
    public async Task RemoteFetchDeliversEveryByte_LocalFetchIsTheStoredArray()
    {
        var a = Start("a");
        var b = Start("b");
        var data = Pattern(4 << 20, 7); // 16 MiB
        var tensor = a.Put(data);
        Assert.Equal(16L << 20, tensor.ByteLength);
        Assert.Equal(TensorElementType.Float32, tensor.ElementType);

        var fetched = await b.FetchAsync<float>(tensor).WaitAsync(Wait);
        Assert.NotSame(data, fetched);
        Assert.True(data.AsSpan().SequenceEqual(fetched), "remote fetch changed the bytes");

        // On its owner the ref reads the stored array in place: no copy.
        Assert.Same(data, await a.FetchAsync<float>(tensor));
        Assert.True(a.IsLocal(tensor));
        Assert.False(b.IsLocal(tensor));
    }

    [Fact]
    public async Task FetchIntoFillsTheCallersArray_RemotelyAndLocally_AndRefusesOneTooSmall()
    {
        var a = Start("a");
        var b = Start("b");
        var data = Pattern(300_000, 12);
        var tensor = a.Put(data);
        var reused = new float[400_000];
        Array.Fill(reused, float.NaN);
        await b.FetchIntoAsync(tensor, reused);
        Assert.True(data.AsSpan().SequenceEqual(reused.AsSpan(0, data.Length)), "remote fetch into the caller's array changed the bytes");
        Assert.True(float.IsNaN(reused[data.Length]), "the fetch wrote past the tensor's length");

        // The same array again, for another tensor: what a layer-by-layer exchange does.
        var second = Pattern(300_000, 13);
        await b.FetchIntoAsync(a.Put(second), reused);
        Assert.True(second.AsSpan().SequenceEqual(reused.AsSpan(0, second.Length)));

        var local = new float[data.Length];
        await a.FetchIntoAsync(tensor, local);
        Assert.True(data.AsSpan().SequenceEqual(local));

        var small = await Assert.ThrowsAsync<ArgumentException>(() => b.FetchIntoAsync(tensor, new float[10]));
        Assert.Contains("300000", small.Message);
    }

    /// <summary>
    /// A fetch into an offset of a larger array (one peer's rows of a halo) fills exactly that range, remotely and from
    /// the own store, and leaves every element outside it as it was; a range that does not fit is refused before any
    /// byte moves.
    /// </summary>
    [Fact]
    public async Task FetchIntoAnOffsetFillsOnlyThatRange()
    {
        var a = Start("a");
        var b = Start("b");
        var data = Pattern(100_000, 21);
        var tensor = a.Put(data);
        foreach (var (reader, offset) in new[] { (b, 12_345), (a, 7) })
        {
            var halo = new float[250_000];
            Array.Fill(halo, float.NaN);
            await reader.FetchIntoAsync(tensor, halo, offset);
            Assert.True(data.AsSpan().SequenceEqual(halo.AsSpan(offset, data.Length)), $"fetch at offset {offset} changed the bytes");
            Assert.True(halo.AsSpan(0, offset).ToArray().All(float.IsNaN), "the fetch wrote before its offset");
            Assert.True(halo.AsSpan(offset + data.Length).ToArray().All(float.IsNaN), "the fetch wrote past its range");
        }

        var late = new float[150_000];
        foreach (var offset in new[] { 50_001, -1, 150_001 })
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => b.FetchIntoAsync(tensor, late, offset));
            Assert.Contains("100000 elements", refused.Message);
        }

        Assert.Equal(0f, late.Max());
    }

    [Fact]
    public async Task EveryElementTypeRoundTrips_AndTheTypeIsChecked()
    {
        var a = Start("a");
        var b = Start("b");
        double[] doubles = [1.5, -2.25, double.Epsilon, double.MaxValue];
        long[] longs = [long.MinValue, 0, long.MaxValue];
        int[] ints = [int.MinValue, 42];
        byte[] bytes = [0, 1, 255];
        Assert.Equal(doubles, await b.FetchAsync<double>(a.Put(doubles)));
        Assert.Equal(longs, await b.FetchAsync<long>(a.Put(longs)));
        Assert.Equal(ints, await b.FetchAsync<int>(a.Put(ints)));
        Assert.Equal(bytes, await b.FetchAsync<byte>(a.Put(bytes)));
        Assert.Empty(await b.FetchAsync<float>(a.Put(Array.Empty<float>())));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => b.FetchAsync<float>(a.Put(doubles)));
        Assert.Contains("Float64", error.Message);
        Assert.Contains("Single", error.Message);
    }

    [Fact]
    public async Task PushesBothWaysAtOnce_AndThePushedTensorsCanBeFetchedByAThirdSilo()
    {
        var a = Start("a");
        var b = Start("b");
        var c = Start("c");
        var toB = Pattern(2 << 20, 1);
        var toA = Pattern(2 << 20, 2);
        var refs = await Task.WhenAll(a.PushAsync(b.Endpoint, toB), b.PushAsync(a.Endpoint, toA)).WaitAsync(Wait);
        Assert.Equal(b.Endpoint, refs[0].Endpoint);
        Assert.Equal(a.Endpoint, refs[1].Endpoint);
        Assert.Equal(1, b.Store.Count);
        Assert.Equal(1, a.Store.Count);

        var fetched = await Task.WhenAll(c.FetchAsync<float>(refs[0]), c.FetchAsync<float>(refs[1])).WaitAsync(Wait);
        Assert.True(toB.AsSpan().SequenceEqual(fetched[0]));
        Assert.True(toA.AsSpan().SequenceEqual(fetched[1]));

        // The owner reads a pushed tensor as its type too (a typed copy of the bytes it arrived in).
        var local = await b.FetchAsync<float>(refs[0]);
        Assert.True(toB.AsSpan().SequenceEqual(local));
    }

    [Fact]
    public async Task ManyConcurrentTransfersAreMultiplexedIntact()
    {
        var a = Start("a");
        var b = Start("b");
        var tensors = Enumerable.Range(0, 48).Select(i => Pattern(16_384 + i * 1000, i)).ToArray();
        var refs = tensors.Select(t => a.Put(t)).ToArray();
        var fetched = await Task.WhenAll(refs.Select(r => b.FetchAsync<float>(r))).WaitAsync(Wait);
        for (var i = 0; i < tensors.Length; i++)
        {
            Assert.True(tensors[i].AsSpan().SequenceEqual(fetched[i]), $"tensor {i} arrived changed");
        }
    }

    [Fact]
    public async Task ReleasedTensorsAreGone_OnTheOwnerAndFromPeers()
    {
        var a = Start("a");
        var b = Start("b");
        var local = a.Put(Pattern(1000, 1));
        var remote = a.Put(Pattern(1000, 2));
        Assert.Equal(8000, a.Store.UsedBytes);

        Assert.True(await a.ReleaseAsync(local));
        Assert.True(await b.ReleaseAsync(remote));
        Assert.False(await b.ReleaseAsync(remote));
        Assert.Equal(0, a.Store.UsedBytes);
        Assert.Equal(0, a.Store.Count);

        await Assert.ThrowsAsync<TensorNotFoundException>(() => a.FetchAsync<float>(local));
        var error = await Assert.ThrowsAsync<TensorNotFoundException>(() => b.FetchAsync<float>(remote));
        Assert.Contains("silo 'a'", error.Message);
        Assert.Contains("released", error.Message);
    }

    [Fact]
    public async Task ReadOnceTensorsGoAfterTheirRead_AndOnlyOneOfManyRacingReadersGetsThem()
    {
        var a = Start("a");
        var b = Start("b");
        var once = a.Put(Pattern(100_000, 3), TensorLifetime.ReadOnce);
        Assert.Equal(400_000, (await b.FetchAsync<float>(once)).Length * sizeof(float));
        Assert.Equal(0, a.Store.Count);
        await Assert.ThrowsAsync<TensorNotFoundException>(() => b.FetchAsync<float>(once));

        var twice = a.Put(Pattern(100_000, 4), new TensorLifetime(MaxReads: 2));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await b.FetchAsync<float>(twice);
                return true;
            }
            catch (TensorNotFoundException)
            {
                return false;
            }
        })).WaitAsync(Wait);
        Assert.Equal(2, outcomes.Count(ok => ok));
        Assert.Equal(0, a.Store.UsedBytes);
    }

    [Fact]
    public async Task ExpiredTensorsAreGone_AndTheSweepFreesTheirBytes()
    {
        var a = Start("a");
        var b = Start("b");
        var shortLived = a.Put(Pattern(1000, 5), new TensorLifetime(TimeSpan.FromMilliseconds(100)));
        var longLived = a.Put(Pattern(1000, 6), new TensorLifetime(TimeSpan.FromMinutes(5)));
        await Task.Delay(300);
        await Assert.ThrowsAsync<TensorNotFoundException>(() => b.FetchAsync<float>(shortLived));
        Assert.Equal(1000, (await b.FetchAsync<float>(longLived)).Length);

        a.Put(Pattern(1000, 7), new TensorLifetime(TimeSpan.FromMilliseconds(50)));
        var deadline = DateTime.UtcNow + Wait;
        while (a.Store.Count > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(1, a.Store.Count);
        Assert.Equal(4000, a.Store.UsedBytes);
    }

    [Fact]
    public async Task AFullStoreRefusesPutsAndPushes_NamingTheSetting_AndKeepsWhatItHas()
    {
        var a = Start("a", o => o.MaxStoreBytes = 1 << 20);
        var b = Start("b");
        var kept = a.Put(new float[200_000]);
        var put = Assert.Throws<TensorStoreFullException>(() => a.Put(new float[100_000]));
        Assert.Contains("Tensors:MaxStoreBytes", put.Message);
        Assert.Contains("800000 of 1048576", put.Message);

        var push = await Assert.ThrowsAsync<TensorStoreFullException>(() => b.PushAsync(a.Endpoint, new float[100_000]));
        Assert.Contains("Tensors:MaxStoreBytes", push.Message);
        Assert.Equal(1, a.Store.Count);
        Assert.Equal(200_000, (await b.FetchAsync<float>(kept)).Length);

        // Released space is usable again.
        await b.ReleaseAsync(kept);
        a.Put(new float[250_000]);
    }

    [Fact]
    public async Task ARefToADeadOwnerIsATypedError_AndSoIsOneToARestartedOwner()
    {
        var a = Start("a");
        var b = Start("b");
        var tensor = a.Put(Pattern(1000, 8));
        var port = int.Parse(a.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1000, (await b.FetchAsync<float>(tensor)).Length);
        await a.DisposeAsync();

        var dead = await Assert.ThrowsAsync<TensorOwnerUnavailableException>(() => b.FetchAsync<float>(tensor).WaitAsync(Wait));
        Assert.Contains(a.Endpoint, dead.Message);

        // A new process on the same port is another generation: it does not answer for the old ref.
        var restarted = Start("a-again", o => o.Port = port);
        Assert.Equal(a.Endpoint, restarted.Endpoint);
        await Assert.ThrowsAsync<TensorOwnerUnavailableException>(() => b.FetchAsync<float>(tensor).WaitAsync(Wait));
        var fresh = restarted.Put(Pattern(10, 9));
        Assert.Equal(10, (await b.FetchAsync<float>(fresh)).Length);
    }

    [Fact]
    public async Task AChannelWithTheWrongSecretIsRefused_OnBothSides_AndTheOwnerKeepsServing()
    {
        var a = Start("a");
        var intruder = Start("intruder", o => o.Secret = "not-the-secret");
        var otherCluster = Start("other", o => o.ClusterId = "elsewhere");
        var tensor = a.Put(Pattern(1000, 10));
        var refused = await Assert.ThrowsAsync<ClusterUnauthorizedException>(() => intruder.FetchAsync<float>(tensor).WaitAsync(Wait));
        Assert.Contains("secret", refused.Message);
        var wrongCluster = await Assert.ThrowsAsync<ClusterUnauthorizedException>(() => otherCluster.FetchAsync<float>(tensor).WaitAsync(Wait));
        Assert.Contains("elsewhere", wrongCluster.Message);

        var b = Start("b");
        Assert.Equal(1000, (await b.FetchAsync<float>(tensor)).Length);
    }

    [Fact]
    public async Task GarbageHugePrefixesAndHalfOpenConnectionsLeaveTheOwnerServingWithinBoundedMemory()
    {
        var a = Start("a", o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        var b = Start("b");
        var tensor = a.Put(Pattern(1000, 11));
        var port = int.Parse(a.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1000, (await b.FetchAsync<float>(tensor)).Length);
        var before = ResidentBytes();

        // Garbage instead of a handshake, and a prefix announcing a 1 TiB payload before any handshake.
        for (var i = 0; i < 20; i++)
        {
            using var garbage = new TcpClient();
            await garbage.ConnectAsync("127.0.0.1", port);
            var bytes = new byte[64];
            Random.Shared.NextBytes(bytes);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), 1L << 40);
            await garbage.GetStream().WriteAsync(bytes);
        }

        // 200 connections that never say a word: each is dropped at Tensors:ConnectTimeout (1 s here).
        var halfOpen = new List<TcpClient>();
        for (var i = 0; i < 200; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            halfOpen.Add(client);
        }

        Assert.Equal(1000, (await b.FetchAsync<float>(tensor).WaitAsync(Wait)).Length);

        // The owner's close is what the silent clients see: their reads end (the handshake challenge, then 0 bytes).
        using (var deadline = new CancellationTokenSource(Wait))
        {
            var dropped = await Task.WhenAll(halfOpen.Select(client => DroppedByOwnerAsync(client, deadline.Token)));
            Assert.True(dropped.All(d => d), $"{dropped.Count(d => !d)} of {halfOpen.Count} silent connections were still open {Wait.TotalSeconds} s later (Tensors:ConnectTimeout is 1 s)");
        }

        foreach (var client in halfOpen)
        {
            client.Dispose();
        }

        Assert.Equal(1000, (await Start("c").FetchAsync<float>(tensor).WaitAsync(Wait)).Length);
        // 220 refused connections cost socket buffers and a task each; 64 MiB is far above that and far below a
        // payload read for the 1 TiB prefix (which would fail the process outright).
        var grown = ResidentBytes() - before;
        Assert.True(grown < 64L << 20, $"resident memory grew by {grown >> 20} MiB");
    }

    [Fact]
    public void ASecondChannelOnAPortInUseFailsAtStartNamingTheSetting()
    {
        var a = Start("a");
        var port = int.Parse(a.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var error = Assert.Throws<InvalidOperationException>(() => Start("b", o => o.Port = port));
        Assert.Contains("Tensors:Port", error.Message);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void BadOptionsAreRefusedWithTheSettingNamed()
    {
        var result = new TensorChannelOptionsValidator().Validate(null, new TensorChannelOptions
        {
            Secret = null,
            BindAddress = "not-an-address",
            Port = 70000,
            MaxStoreBytes = 0,
            DefaultTimeToLive = TimeSpan.Zero,
            ConnectionsPerPeer = 0,
            Dscp = 64,
        });
        Assert.True(result.Failed);
        var failures = string.Join("\n", result.Failures!);
        foreach (var setting in new[] { "Tensors:Secret", "Tensors:BindAddress", "Tensors:Port", "Tensors:MaxStoreBytes", "Tensors:DefaultTimeToLive", "Tensors:ConnectionsPerPeer", "Tensors:Dscp" })
        {
            Assert.Contains(setting, failures);
        }

        Assert.True(new TensorChannelOptionsValidator().Validate(null, new TensorChannelOptions { Secret = "s" }).Succeeded);
        Assert.DoesNotContain(Secret, new TensorChannelOptions { Secret = Secret }.ToString());
    }

    // Caught before: the limit was checked with one bound and the receive cast with another, so a payload of exactly
    // the default maximum passed the check and then overflowed a checked cast; now one constant, MaxTensorBytes, is
    // checked everywhere first. The arrays are allocated uninitialized and never touched: 2 GiB of address space each,
    // next to no resident memory.
    [Fact]
    public async Task ATensorOfExactlyMaxTensorBytesIsStoredAndOneByteMoreIsRefusedNamingTheLimit()
    {
        var a = Start("a", o => o.MaxStoreBytes = 3 * TensorChannel.MaxTensorBytes);
        var b = Start("b");
        Assert.Equal(TensorChannel.MaxTensorBytes, Array.MaxLength);

        var largest = GC.AllocateUninitializedArray<byte>((int)TensorChannel.MaxTensorBytes);
        var tensor = a.Put(largest, TensorLifetime.ReadOnce);
        Assert.Equal(TensorChannel.MaxTensorBytes, tensor.ByteLength);
        Assert.Same(largest, await a.FetchAsync<byte>(tensor));

        // A float tensor one element past the limit is refused before it is stored or sent.
        var over = GC.AllocateUninitializedArray<float>((int)(TensorChannel.MaxTensorBytes / 4) + 1);
        var refused = Assert.Throws<ArgumentException>(() => a.Put(over));
        Assert.Contains("TensorChannel.MaxTensorBytes = 2,147,483,591 bytes", refused.Message);
        Assert.Equal(0, a.Store.Count);
        refused = await Assert.ThrowsAsync<ArgumentException>(() => a.PushAsync(b.Endpoint, over));
        Assert.Contains("MaxTensorBytes", refused.Message);
        Assert.Equal(0, b.Store.Count);

        // A ref that claims more than the limit (forged, or from a peer that allows more) is refused before any
        // connection or allocation, never an OverflowException from a cast.
        var kept = a.Put(new byte[16]);
        foreach (var length in new[] { TensorChannel.MaxTensorBytes + 1, (long)int.MaxValue + 1, long.MaxValue / 2 })
        {
            var forged = kept with { Length = length };
            refused = await Assert.ThrowsAsync<ArgumentException>(() => b.FetchAsync<byte>(forged));
            Assert.Contains("MaxTensorBytes", refused.Message);
        }
    }

    private TensorChannel Start(string name, Action<TensorChannelOptions>? configure = null)
    {
        var options = new TensorChannelOptions
        {
            Secret = Secret,
            BindAddress = "127.0.0.1",
            Port = 0,

            // The default connect timeout (5 s), which also bounds a handshake: 1 s was tight for a loopback connection
            // and its handshake on two cores busy with other test classes (TrafficClassTests failed so in a CI-like
            // run). The test of silent connections sets 1 s on its owner, where the deadline is what it checks.
            TransferTimeout = TimeSpan.FromSeconds(15),
        };
        configure?.Invoke(options);
        var channel = new TensorChannel(options, new TensorChannelIdentity(name, Interlocked.Increment(ref _generation), null), NullLoggerFactory.Instance);
        channel.Start();
        _channels.Add(channel);
        return channel;
    }

    private static float[] Pattern(int length, int seed)
    {
        var data = new float[length];
        var random = new Random(seed);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble() - 0.5f;
        }

        return data;
    }

    /// <summary>True once the owner has closed <paramref name="client"/>'s connection (a read returns 0, or the socket is reset); false at the deadline.</summary>
    private static async Task<bool> DroppedByOwnerAsync(TcpClient client, CancellationToken deadline)
    {
        var buffer = new byte[256];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, deadline) > 0)
            {
                // The owner's handshake challenge, which a silent client never answers.
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
