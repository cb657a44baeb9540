using FsCheck;
using FsCheck.Fluent;
using Orrery.Cluster.Membership;

namespace Orrery.Cluster.Tests.Membership;

/// <summary>
/// What every <see cref="IMembershipTable"/> must do, run against each backend by a subclass
/// (Orleans' MembershipTableTestsBase). Each test gets a table of its own.
/// </summary>
public abstract class MembershipTableConformance : IAsyncLifetime
{
    /// <summary>How long a test waits for a change notification before it fails.</summary>
    protected static readonly TimeSpan NotificationTimeout = TimeSpan.FromSeconds(5);

    private readonly List<IMembershipTable> _opened = [];

    /// <summary>The id of this test's table; <see cref="OpenAsync"/> with it gives another handle on the same rows.</summary>
    protected string TableId { get; } = NewTableId();

    /// <summary>This test's table, empty when the test starts.</summary>
    protected IMembershipTable Table { get; private set; } = null!;

    public async Task InitializeAsync() => Table = await OpenAsync(TableId);

    public async Task DisposeAsync()
    {
        foreach (var table in _opened.Distinct())
        {
            if (table is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Opens a handle on the table named <paramref name="tableId"/>, creating it empty on first
    /// use. Handles with the same id share rows, version and notifications (for Redis: the same
    /// ClusterId through a connection of its own).
    /// </summary>
    protected abstract Task<IMembershipTable> OpenTableAsync(string tableId);

    /// <summary>A table id no other test uses.</summary>
    protected static string NewTableId() => $"test-{Guid.NewGuid():N}";

    /// <summary><see cref="OpenTableAsync"/>, disposed when the test ends.</summary>
    protected async Task<IMembershipTable> OpenAsync(string tableId)
    {
        var table = await OpenTableAsync(tableId);
        lock (_opened)
        {
            _opened.Add(table);
        }

        return table;
    }

    protected static SiloEntry Silo(string host = "10.0.0.1", int port = 11111, long generation = 1, SiloStatus status = SiloStatus.Joining) => new()
    {
        Name = $"silo-{host}-{port}",
        Host = host,
        Port = port,
        Generation = generation,
        Status = status,
        StartUnixMs = 1_700_000_000_000 + generation,
        HttpPort = 8080,
    };

    /// <summary>A row with every field set, two GPUs included.</summary>
    protected static SiloEntry SiloWithTwoGpus() => new()
    {
        Name = "gpu-node-3",
        Host = "10.1.2.3",
        Port = 11111,
        Generation = 1_732_000_000_123,
        Status = SiloStatus.Active,
        Capabilities = new SiloCapabilities
        {
            CpuCores = 32,
            MemoryBytes = 256L << 30,
            Gpus =
            {
                new GpuInfo { Index = 0, Model = "NVIDIA H100 80GB HBM3", MemoryBytes = 80L << 30, Multiprocessors = 132 },
                new GpuInfo { Index = 1, Model = "NVIDIA H100 80GB HBM3", MemoryBytes = 81_559_060_480, Multiprocessors = 132 },
            },
            DeviceNote = "CUDA driver 13.0",
        },
        HeartbeatUnixMs = 1_732_000_005_000,
        StartUnixMs = 1_732_000_000_123,
        HttpPort = 8081,
        StatusReason = "joined",
    };

    [Fact]
    public async Task EmptyTable_ReadsVersionZeroAndNoRows()
    {
        var snapshot = await Table.ReadAllAsync(CancellationToken.None);

        Assert.Equal(0, snapshot.Version);
        Assert.Empty(snapshot.Silos);
    }

    [Fact]
    public async Task InsertAtVersionZero_ReturnsOneAndReadsBackEveryField()
    {
        var entry = SiloWithTwoGpus();

        Assert.Equal(1, await Table.TryWriteAsync(entry, 0, CancellationToken.None));
        var written = entry.Clone();
        entry.Status = SiloStatus.Dead; // the table keeps its own copy

        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1, snapshot.Version);
        var row = Assert.Single(snapshot.Silos);
        Assert.Equal(written, row); // protobuf value equality: every field, both GPUs
        Assert.Equal(2, row.Capabilities.Gpus.Count);
        Assert.Equal(81_559_060_480, row.Capabilities.Gpus[1].MemoryBytes);
    }

    [Fact]
    public async Task WriteAtStaleVersion_ReturnsNullAndChangesNothing()
    {
        Assert.Equal(1, await Table.TryWriteAsync(Silo("10.0.0.1"), 0, CancellationToken.None));
        var before = await Table.ReadAllAsync(CancellationToken.None);

        Assert.Null(await Table.TryWriteAsync(Silo("10.0.0.2"), 0, CancellationToken.None));
        Assert.Null(await Table.TryWriteAsync(Silo("10.0.0.1", status: SiloStatus.Dead), 0, CancellationToken.None));
        Assert.Null(await Table.TryWriteAsync(Silo("10.0.0.3"), 2, CancellationToken.None));

        Assert.Equal(before, await Table.ReadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentWritersAtOneVersion_ExactlyOneWins()
    {
        const int writers = 16;
        var handles = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenAsync(TableId)));
        Assert.Equal(1, await Table.TryWriteAsync(Silo("10.0.0.1"), 0, CancellationToken.None));

        using var go = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, writers)
            .Select(i => Task.Run(() =>
            {
                go.Wait();
                return handles[i % handles.Length].TryWriteAsync(Silo($"10.0.1.{i}"), 1, CancellationToken.None);
            }))
            .ToArray();
        go.Set();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(Enumerable.Range(0, writers), i => results[i] is not null);
        Assert.Equal(2, results[winner]);
        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(["10.0.0.1", $"10.0.1.{winner}"], snapshot.Silos.Select(s => s.Host).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Heartbeat_ChangesHeartbeatTimeButNotVersion()
    {
        var silo = Silo();
        silo.HeartbeatUnixMs = 1_000;
        Assert.Equal(1, await Table.TryWriteAsync(silo, 0, CancellationToken.None));

        await Table.HeartbeatAsync(silo, 5_000, CancellationToken.None);
        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(5_000, Assert.Single(snapshot.Silos).HeartbeatUnixMs);

        // The newer of the row's own time and the heartbeat wins.
        await Table.HeartbeatAsync(silo, 500, CancellationToken.None);
        Assert.Equal(1_000, Assert.Single((await Table.ReadAllAsync(CancellationToken.None)).Silos).HeartbeatUnixMs);

        // A heartbeat is not a row: one for an unknown silo adds nothing.
        await Table.HeartbeatAsync(Silo("10.9.9.9"), 9_000, CancellationToken.None);
        snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal("10.0.0.1", Assert.Single(snapshot.Silos).Host);
    }

    [Fact]
    public async Task Write_NotifiesSubscribersOnEveryHandleWithTheNewVersion()
    {
        var other = await OpenAsync(TableId);
        var here = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var there = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hereSubscription = await Table.SubscribeAsync(v => here.TrySetResult(v), CancellationToken.None);
        await using var thereSubscription = await other.SubscribeAsync(v => there.TrySetResult(v), CancellationToken.None);

        var version = await Table.TryWriteAsync(Silo(), 0, CancellationToken.None);

        Assert.Equal(1, version);
        Assert.Equal(1, await here.Task.WaitAsync(NotificationTimeout));
        Assert.Equal(1, await there.Task.WaitAsync(NotificationTimeout));
    }

    [Fact]
    public async Task DisposedSubscription_IsNotCalledAgain()
    {
        var disposedCalls = 0;
        var live = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposed = await Table.SubscribeAsync(_ => Interlocked.Increment(ref disposedCalls), CancellationToken.None);
        await using var liveSubscription = await Table.SubscribeAsync(v => live.TrySetResult(v), CancellationToken.None);

        await disposed.DisposeAsync();
        Assert.Equal(1, await Table.TryWriteAsync(Silo(), 0, CancellationToken.None));

        Assert.Equal(1, await live.Task.WaitAsync(NotificationTimeout));
        Assert.Equal(0, Volatile.Read(ref disposedCalls));
    }

    [Fact]
    public async Task StatusUpdate_ReplacesTheExistingRow()
    {
        var joining = Silo(status: SiloStatus.Joining);
        Assert.Equal(1, await Table.TryWriteAsync(joining, 0, CancellationToken.None));

        var active = joining.Clone();
        active.Status = SiloStatus.Active;
        Assert.Equal(2, await Table.TryWriteAsync(active, 1, CancellationToken.None));
        var row = Assert.Single((await Table.ReadAllAsync(CancellationToken.None)).Silos);
        Assert.Equal(SiloStatus.Active, row.Status);

        var dead = active.Clone();
        dead.Status = SiloStatus.Dead;
        dead.StatusReason = "declared Dead by 10.0.0.2:11111@1: no heartbeat for 30s and 3 failed probes";
        Assert.Equal(3, await Table.TryWriteAsync(dead, 2, CancellationToken.None));
        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(3, snapshot.Version);
        Assert.Equal(dead, Assert.Single(snapshot.Silos));
    }

    [Fact]
    public async Task Rows_AreOnePerGenerationAndSortedByRowKey()
    {
        SiloEntry[] silos =
        [
            Silo("10.0.0.2", 11111, 1),
            Silo("10.0.0.1", 11111, 2),
            Silo("10.0.0.1", 11111, 1),
            Silo("10.0.0.1", 2222, 1),
        ];
        for (var i = 0; i < silos.Length; i++)
        {
            Assert.Equal(i + 1, await Table.TryWriteAsync(silos[i], i, CancellationToken.None));
        }

        var snapshot = await Table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(
            ["10.0.0.1:11111@1", "10.0.0.1:11111@2", "10.0.0.1:2222@1", "10.0.0.2:11111@1"],
            snapshot.Silos.Select(s => s.RowKey()));
    }

    /// <summary>
    /// Random sequences of writes (at the current version, or one behind or ahead) and
    /// heartbeats give the same results and the same final snapshot as the in-memory table.
    /// </summary>
    [Fact]
    public async Task RandomOperationSequences_BehaveLikeTheInMemoryTable()
    {
        var operation =
            from isHeartbeat in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            from host in Gen.Elements("10.0.0.1", "10.0.0.2", "10.0.0.3")
            from generation in Gen.Choose(1, 2)
            from status in Gen.Elements(SiloStatus.Joining, SiloStatus.Active, SiloStatus.ShuttingDown, SiloStatus.Dead)
            from skew in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(-1)), (1, Gen.Constant(1)))
            from time in Gen.Choose(0, 10_000)
            select new Operation(isHeartbeat, host, generation, status, skew, time);

        // Off xunit's synchronisation context: the property blocks on each sequence.
        await Task.Run(() => Prop
            .ForAll(Gen.ListOf(operation).Select(ops => ops.ToArray()).ToArbitrary(), ops => RunAgainstModelAsync(ops).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(25).WithEndSize(40)));
    }

    private async Task RunAgainstModelAsync(Operation[] operations)
    {
        var table = await OpenTableAsync(NewTableId());
        var model = new InMemoryMembershipTable();
        try
        {
            foreach (var op in operations)
            {
                var silo = Silo(op.Host, generation: op.Generation, status: op.Status);
                if (op.IsHeartbeat)
                {
                    await table.HeartbeatAsync(silo, op.Time, CancellationToken.None);
                    await model.HeartbeatAsync(silo, op.Time, CancellationToken.None);
                    continue;
                }

                silo.HeartbeatUnixMs = op.Time;
                var expected = (await model.ReadAllAsync(CancellationToken.None)).Version + op.VersionSkew;
                Assert.Equal(
                    await model.TryWriteAsync(silo, expected, CancellationToken.None),
                    await table.TryWriteAsync(silo, expected, CancellationToken.None));
            }

            Assert.Equal(await model.ReadAllAsync(CancellationToken.None), await table.ReadAllAsync(CancellationToken.None));
        }
        finally
        {
            if (table is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    private sealed record Operation(bool IsHeartbeat, string Host, int Generation, SiloStatus Status, int VersionSkew, int Time);
}
