using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Membership.Redis;
using Orrery.Testing;
using StackExchange.Redis;

namespace Orrery.Cluster.Tests.Membership;

/// <summary>
/// The conformance suite against a real <c>redis-server</c> (one per class; each test its own
/// ClusterId), plus what only Redis can do: share a server between clusters, go away and come
/// back, hold bytes nobody wrote through the table.
/// </summary>
public sealed class RedisMembershipTableTests(RedisServerFixture redis) : MembershipTableConformance, IClassFixture<RedisServerFixture>
{
    // Long enough for the multiplexer's 1 s reconnect cycle plus a loaded CI machine.
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(15);

    protected override async Task<IMembershipTable> OpenTableAsync(string tableId) =>
        await RedisMembershipTable.ConnectAsync(Options(redis.Server.ConnectionString, tableId), CancellationToken.None);

    [Fact]
    public async Task Layout_IsTheDocumentedKeysAndChannel()
    {
        var silo = SiloWithTwoGpus();
        Assert.Equal(1, await Table.TryWriteAsync(silo, 0, CancellationToken.None));
        await Table.HeartbeatAsync(silo, 1_732_000_009_000, CancellationToken.None);

        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var database = direct.GetDatabase();
        var prefix = $"orrery:{TableId}";
        Assert.Equal("1", (string?)await database.StringGetAsync($"{prefix}:version"));
        Assert.Equal(silo, SiloEntry.Parser.ParseFrom((byte[])(await database.HashGetAsync($"{prefix}:silos", "10.1.2.3:11111@1732000000123"))!));
        Assert.Equal("1732000009000", (string?)await database.HashGetAsync($"{prefix}:heartbeats", "10.1.2.3:11111@1732000000123"));
        var keys = direct.GetServer(redis.Server.ConnectionString).Keys(pattern: $"{prefix}:*").Select(k => (string)k!).Order(StringComparer.Ordinal);
        Assert.Equal([$"{prefix}:heartbeats", $"{prefix}:silos", $"{prefix}:version"], keys);

        var announced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await direct.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal($"{prefix}:changes"), (_, message) => announced.TrySetResult((string)message!));
        Assert.Equal(2, await Table.TryWriteAsync(Silo(), 1, CancellationToken.None));
        Assert.Equal("2", await announced.Task.WaitAsync(NotificationTimeout));
    }

    [Fact]
    public async Task TwoClusterIds_OnOneServer_DoNotSeeEachOther()
    {
        var other = await OpenAsync(NewTableId());
        var otherNotifications = new ConcurrentQueue<long>();
        var otherNotified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await other.SubscribeAsync(
            v =>
            {
                otherNotifications.Enqueue(v);
                otherNotified.TrySetResult();
            },
            CancellationToken.None);

        Assert.Equal(1, await Table.TryWriteAsync(Silo("10.0.0.1"), 0, CancellationToken.None));
        Assert.Equal(2, await Table.TryWriteAsync(Silo("10.0.0.2"), 1, CancellationToken.None));

        var otherSnapshot = await other.ReadAllAsync(CancellationToken.None);
        Assert.Equal(0, otherSnapshot.Version);
        Assert.Empty(otherSnapshot.Silos);
        Assert.Equal(1, await other.TryWriteAsync(Silo("10.0.0.9"), 0, CancellationToken.None));

        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], snapshot.Silos.Select(s => s.Host));

        // The other cluster's own write is announced after ours were; give any leaked
        // announcement of ours time to arrive too, then expect only its own.
        await otherNotified.Task.WaitAsync(NotificationTimeout);
        await Task.Delay(100);
        Assert.Equal([1L], otherNotifications);
    }

    [Fact]
    public async Task RedisRestartedOnTheSamePort_FailsWhileDownThenWorksWithTheSameTable()
    {
        await using var server = await RedisServer.StartNewAsync();
        var options = Options(server.ConnectionString, NewTableId());
        options.OperationTimeout = TimeSpan.FromSeconds(2);
        await using var table = await RedisMembershipTable.ConnectAsync(options, CancellationToken.None);
        Assert.Equal(1, await table.TryWriteAsync(Silo(), 0, CancellationToken.None));
        var restarted = false;
        var notifiedAfterRestart = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await table.SubscribeAsync(
            v =>
            {
                if (Volatile.Read(ref restarted))
                {
                    notifiedAfterRestart.TrySetResult(v);
                }
            },
            CancellationToken.None);

        await server.StopAsync();

        var readAll = await Assert.ThrowsAsync<MembershipException>(() => table.ReadAllAsync(CancellationToken.None));
        Assert.Contains(server.ConnectionString, readAll.Message);
        Assert.Contains("ReadAll", readAll.Message);
        var write = await Assert.ThrowsAsync<MembershipException>(() => table.TryWriteAsync(Silo(), 1, CancellationToken.None));
        Assert.Contains(server.ConnectionString, write.Message);
        Assert.Contains("TryWrite", write.Message);
        var heartbeat = await Assert.ThrowsAsync<MembershipException>(() => table.HeartbeatAsync(Silo(), 1, CancellationToken.None));
        Assert.Contains(server.ConnectionString, heartbeat.Message);
        Assert.Contains("Heartbeat", heartbeat.Message);

        await server.StartAsync();
        Volatile.Write(ref restarted, true);

        // No persistence: the table comes back empty and the silo registers again.
        var snapshot = await EventuallyAsync(() => table.ReadAllAsync(CancellationToken.None));
        Assert.Equal(0, snapshot.Version);
        Assert.Empty(snapshot.Silos);
        Assert.Equal(1, await table.TryWriteAsync(Silo(), 0, CancellationToken.None));
        await table.HeartbeatAsync(Silo(), 42, CancellationToken.None);
        Assert.Equal(1, (await table.ReadAllAsync(CancellationToken.None)).Version);

        // The subscription connection reconnects on its own schedule; keep writing until one
        // of the announcements reaches the subscriber registered before the restart.
        var stopwatch = Stopwatch.StartNew();
        for (var version = 1L; !notifiedAfterRestart.Task.IsCompleted && stopwatch.Elapsed < RecoveryTimeout; version++)
        {
            Assert.Equal(version + 1, await table.TryWriteAsync(Silo(), version, CancellationToken.None));
            await Task.WhenAny(notifiedAfterRestart.Task, Task.Delay(200));
        }

        Assert.True(notifiedAfterRestart.Task.IsCompleted, $"no change notification within {RecoveryTimeout.TotalSeconds}s of the restart");
    }

    [Fact]
    public async Task ConnectWhileRedisIsDown_SucceedsAndWorksOnceRedisStarts()
    {
        await using var server = new RedisServer(FreePort.Next());
        var options = Options(server.ConnectionString, NewTableId());
        options.ConnectTimeout = TimeSpan.FromSeconds(1);
        await using var table = await RedisMembershipTable.ConnectAsync(options, CancellationToken.None);

        var down = await Assert.ThrowsAsync<MembershipException>(() => table.ReadAllAsync(CancellationToken.None));
        Assert.Contains($"Redis {server.ConnectionString} ", down.Message);
        Assert.Contains("ReadAll", down.Message);

        // StackExchange.Redis 1.2.6 would accept this subscription without a server and send the
        // SUBSCRIBE only later; the table says no instead of returning a subscription that misses changes.
        var notSubscribed = await Assert.ThrowsAsync<MembershipException>(() => table.SubscribeAsync(_ => { }, CancellationToken.None));
        Assert.Contains($"Redis {server.ConnectionString} ", notSubscribed.Message);
        Assert.Contains("Subscribe", notSubscribed.Message);

        await server.StartAsync();
        var snapshot = await EventuallyAsync(() => table.ReadAllAsync(CancellationToken.None));
        Assert.Equal(0, snapshot.Version);
        var notified = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await EventuallyAsync(() => table.SubscribeAsync(v => notified.TrySetResult(v), CancellationToken.None));
        Assert.Equal(1, await table.TryWriteAsync(Silo(), 0, CancellationToken.None));
        Assert.Equal(1, await notified.Task.WaitAsync(NotificationTimeout));
    }

    [Fact]
    public async Task PausedRedis_FailsWithTheEndpointAndOperationWithinTheTimeout()
    {
        await using var server = await RedisServer.StartNewAsync();
        var options = Options(server.ConnectionString, NewTableId());
        options.OperationTimeout = TimeSpan.FromMilliseconds(300);
        await using var table = await RedisMembershipTable.ConnectAsync(options, CancellationToken.None);
        await table.ReadAllAsync(CancellationToken.None);

        server.Freeze(TimeSpan.FromMilliseconds(1500));

        var stopwatch = Stopwatch.StartNew();
        var paused = await Assert.ThrowsAsync<MembershipException>(() => table.ReadAllAsync(CancellationToken.None));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.2));
        Assert.Contains($"Redis {server.ConnectionString} did not answer ReadAll within 300ms", paused.Message);

        var snapshot = await EventuallyAsync(() => table.ReadAllAsync(CancellationToken.None));
        Assert.Equal(0, snapshot.Version);
    }

    [Fact]
    public async Task GarbageInTheSilosHash_FailsNamingTheRowKey()
    {
        Assert.Equal(1, await Table.TryWriteAsync(Silo(), 0, CancellationToken.None));
        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        await direct.GetDatabase().HashSetAsync($"orrery:{TableId}:silos", "10.6.6.6:11111@1", "not a silo entry");

        var corrupt = await Assert.ThrowsAsync<MembershipException>(() => Table.ReadAllAsync(CancellationToken.None));

        Assert.Contains("'10.6.6.6:11111@1'", corrupt.Message);
        Assert.Contains($"orrery:{TableId}:silos", corrupt.Message);
        Assert.Contains(redis.Server.ConnectionString, corrupt.Message);
    }

    [Fact]
    public async Task RowStoredUnderAnotherSilosKey_FailsNamingBoth()
    {
        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        await direct.GetDatabase().HashSetAsync($"orrery:{TableId}:silos", "10.6.6.6:11111@1", Silo("10.0.0.1").ToByteArray());

        var corrupt = await Assert.ThrowsAsync<MembershipException>(() => Table.ReadAllAsync(CancellationToken.None));

        Assert.Contains("'10.6.6.6:11111@1'", corrupt.Message);
        Assert.Contains("10.0.0.1:11111@1", corrupt.Message);
    }

    [Fact]
    public async Task GarbageHeartbeat_FailsNamingTheRowKey()
    {
        using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        await direct.GetDatabase().HashSetAsync($"orrery:{TableId}:heartbeats", "10.6.6.6:11111@1", "yesterday");

        var corrupt = await Assert.ThrowsAsync<MembershipException>(() => Table.ReadAllAsync(CancellationToken.None));

        Assert.Contains("'10.6.6.6:11111@1'", corrupt.Message);
        Assert.Contains($"orrery:{TableId}:heartbeats", corrupt.Message);
    }

    private static RedisMembershipOptions Options(string connectionString, string clusterId) => new()
    {
        ConnectionString = connectionString,
        ClusterId = clusterId,
    };

    /// <summary>Retries <paramref name="call"/> while it throws <see cref="MembershipException"/>, up to <see cref="RecoveryTimeout"/>.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> call)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (MembershipException) when (stopwatch.Elapsed < RecoveryTimeout)
            {
                await Task.Delay(100);
            }
        }
    }
}
