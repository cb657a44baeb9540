using System.Globalization;
using Google.Protobuf;
using StackExchange.Redis;

namespace Orrery.Cluster.Membership.Redis;

/// <summary>
/// The membership table in Redis (layout in this folder's README.md): rows in one hash,
/// heartbeats in another, the version in a string key, changes announced on a pub/sub channel.
/// Row writes are one Lua script each, so the compare-and-swap on the version, the row, the
/// increment and the announcement happen atomically. The connection is made with
/// <c>abortConnect=false</c>: while Redis is down every call fails fast with a
/// <see cref="MembershipException"/> naming the endpoint and the operation, and the same table
/// object works again once the multiplexer has reconnected. Redis run without persistence comes
/// back empty (version 0); silos then re-register, which is the caller's job.
/// </summary>
public sealed partial class RedisMembershipTable : IMembershipTable, IAsyncDisposable
{
    // KEYS: version, silos, heartbeats. Returns { version, HGETALL silos, HGETALL heartbeats }
    // as read at one instant (a script runs alone on the server), version "0" when missing.
    private const string ReadAllScript = """
        local version = redis.call('GET', KEYS[1]) or '0'
        return { version, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]) }
        """;

    // KEYS: version, silos. ARGV: expected version, row key, row bytes, changes channel.
    // Compares as strings: INCR stores canonical decimal integers and the caller formats the
    // expected version the same way, which avoids Lua's double-precision numbers.
    private const string TryWriteScript = """
        local version = redis.call('GET', KEYS[1]) or '0'
        if version ~= ARGV[1] then
          return -1
        end
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        local next = redis.call('INCR', KEYS[1])
        redis.call('PUBLISH', ARGV[4], next)
        return next
        """;

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly string _endpoint;
    private readonly TimeSpan _operationTimeout;
    private readonly RedisKey _versionKey;
    private readonly RedisKey _silosKey;
    private readonly RedisKey _heartbeatsKey;
    private readonly RedisChannel _changesChannel;
    private readonly Action<RedisChannel, RedisValue> _onChangeAnnounced;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private readonly List<Subscription> _subscriptions = [];
    private bool _channelSubscribed;
    private int _disposed;

    private RedisMembershipTable(ConnectionMultiplexer connection, string endpoint, RedisMembershipOptions options)
    {
        _connection = connection;
        _database = connection.GetDatabase();
        _endpoint = endpoint;
        _operationTimeout = options.OperationTimeout;
        var prefix = $"{options.KeyPrefix}:{options.ClusterId}";
        _versionKey = $"{prefix}:version";
        _silosKey = $"{prefix}:silos";
        _heartbeatsKey = $"{prefix}:heartbeats";
        _changesChannel = RedisChannel.Literal($"{prefix}:changes");
        _onChangeAnnounced = OnChangeAnnounced;
    }

    /// <summary>
    /// Validates <paramref name="options"/> and connects. Succeeds while Redis is down (the
    /// multiplexer keeps trying in the background); calls fail until it is up.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="MembershipException">The connection could not be set up at all.</exception>
    public static async Task<RedisMembershipTable> ConnectAsync(RedisMembershipOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var configuration = RedisMembershipOptions.TryParse(options.ConnectionString, out _)!;
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = Milliseconds(options.ConnectTimeout);
        configuration.SyncTimeout = Milliseconds(options.OperationTimeout);
        configuration.ClientName ??= "orrery-membership";

        // 1.2.6 retries a lost connection every ConnectTimeout (5 s by default); a silo wants its
        // table back within a heartbeat of Redis returning, and a refused connect costs nothing.
        configuration.ReconnectRetryPolicy = new LinearRetry(Math.Min(1000, Milliseconds(options.ConnectTimeout)));
        var endpoint = string.Join(",", configuration.EndPoints.Select(EndPointCollection.ToString));

        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        ConnectionMultiplexer connection;
        try
        {
            // With abortConnect=false the multiplexer returns, connected or not, at most a little
            // after ConnectTimeout when Redis is down (5.1 s, once just over 6 s, for 5 s on the
            // 2-core build machine). Twice that plus 3 s only guards against a connect that never
            // returns (with 1 s, a loaded machine once took longer than 2 s to give up).
            connection = await connecting.WaitAsync(2 * options.ConnectTimeout + TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            Observe(connecting);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new MembershipException($"Redis {endpoint} did not answer Connect within {RedisMembershipOptions.FormatDuration(options.ConnectTimeout)}: {e.Message}", e);
        }
        catch (RedisException e)
        {
            throw new MembershipException($"Redis {endpoint} failed Connect: {e.Message}", e);
        }

        return new RedisMembershipTable(connection, endpoint, options);
    }

    /// <inheritdoc />
    public async Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(
            "ReadAll",
            () => _database.ScriptEvaluateAsync(ReadAllScript, [_versionKey, _silosKey, _heartbeatsKey]),
            cancellationToken).ConfigureAwait(false);

        var parts = (RedisResult[])result!;
        var snapshot = new MembershipSnapshot { Version = ParseVersion((RedisValue)parts[0]) };
        var heartbeats = ParseHeartbeats((RedisValue[])parts[2]!);
        var pairs = (RedisValue[])parts[1]!; // field, value, field, value, ...
        var rows = new List<(string Key, SiloEntry Row)>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            var key = (string)pairs[i]!;
            var row = ParseRow(key, pairs[i + 1]);
            if (heartbeats.TryGetValue(key, out var heartbeat))
            {
                row.HeartbeatUnixMs = Math.Max(row.HeartbeatUnixMs, heartbeat);
            }

            rows.Add((key, row));
        }

        rows.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (_, row) in rows)
        {
            snapshot.Silos.Add(row);
        }

        return snapshot;
    }

    /// <inheritdoc />
    public async Task<long?> TryWriteAsync(SiloEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        RedisValue[] arguments =
        [
            expectedVersion.ToString(CultureInfo.InvariantCulture),
            entry.RowKey(),
            entry.ToByteArray(),
            _changesChannel.ToString(),
        ];
        var result = await RunAsync(
            "TryWrite",
            () => _database.ScriptEvaluateAsync(TryWriteScript, [_versionKey, _silosKey], arguments),
            cancellationToken).ConfigureAwait(false);

        var version = (long)result;
        return version < 0 ? null : version;
    }

    /// <inheritdoc />
    public Task HeartbeatAsync(SiloEntry silo, long unixMilliseconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var key = silo.RowKey();
        return RunAsync("Heartbeat", () => _database.HashSetAsync(_heartbeatsKey, key, unixMilliseconds), cancellationToken);
    }

    /// <summary>Closes the connection. Calls made afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _connection.CloseAsync(allowCommandsToComplete: false).WaitAsync(_operationTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Closing a connection to a server that is gone can only fail; the socket goes with Dispose.
        }

        // _channelGate is left to the collector: it has no wait handle, and a SubscribeAsync
        // still waiting on it must see ObjectDisposedException from the table, not the gate.
        _connection.Dispose();
    }

    /// <summary>
    /// Starts one Redis call and waits at most the operation timeout for it, turning every
    /// failure except the caller's cancellation into a <see cref="MembershipException"/> that
    /// names the endpoint and the operation.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> start, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        Task<T> pending;
        try
        {
            // 1.2.6 throws here, not in the task, when no connection is available.
            pending = start();
        }
        catch (RedisException e)
        {
            throw Failed(operation, e);
        }

        try
        {
            return await pending.WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisTimeoutException e)
        {
            throw TimedOut(operation, e.Message, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(pending);
            throw;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // 1.2.6 enforces SyncTimeout only on synchronous calls; async ones wait for the
            // connection to fail, which a paused or partitioned server may never do. (A
            // cancellation the caller did not ask for is an operation's own deadline.)
            Observe(pending);
            throw TimedOut(operation, "no reply yet; the server may be overloaded, paused or unreachable", e);
        }
        catch (RedisException e)
        {
            throw Failed(operation, e);
        }
    }

    private MembershipException TimedOut(string operation, string detail, Exception inner) =>
        new($"Redis {_endpoint} did not answer {operation} within {RedisMembershipOptions.FormatDuration(_operationTimeout)}: {detail}", inner);

    private MembershipException Failed(string operation, RedisException e) => e switch
    {
        RedisConnectionException => new($"Redis {_endpoint} is unreachable for {operation}: {e.Message}", e),
        RedisServerException => new($"Redis {_endpoint} rejected {operation}: {e.Message}", e),
        _ => new($"Redis {_endpoint} failed {operation}: {e.Message}", e),
    };

    private long ParseVersion(RedisValue value)
    {
        if (!long.TryParse((string?)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version))
        {
            throw new MembershipException(
                $"Redis {_endpoint} holds a corrupt membership version: key {_versionKey} is '{value}', not an integer; " +
                $"delete the cluster's keys ({_versionKey}, {_silosKey}, {_heartbeatsKey}) and let the silos re-register");
        }

        return version;
    }

    private SiloEntry ParseRow(string key, RedisValue value)
    {
        SiloEntry row;
        try
        {
            row = SiloEntry.Parser.ParseFrom((byte[])value!);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw CorruptRow(key, $"is not a valid SiloEntry ({e.Message})", e);
        }

        // Bytes that happen to parse (an empty value does) still have to describe their own row.
        var actual = row.RowKey();
        if (actual != key)
        {
            throw CorruptRow(key, $"holds the row of {actual}", null);
        }

        return row;
    }

    private MembershipException CorruptRow(string key, string problem, Exception? inner)
    {
        var message = $"Redis {_endpoint} holds a corrupt membership row: field '{key}' of hash {_silosKey} {problem}; " +
            $"remove it with HDEL {_silosKey} {key} and let the silo re-register";
        return inner is null ? new MembershipException(message) : new MembershipException(message, inner);
    }

    private Dictionary<string, long> ParseHeartbeats(RedisValue[] pairs)
    {
        var heartbeats = new Dictionary<string, long>(pairs.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            var key = (string)pairs[i]!;
            if (!long.TryParse((string?)pairs[i + 1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var heartbeat))
            {
                throw new MembershipException(
                    $"Redis {_endpoint} holds a corrupt heartbeat: field '{key}' of hash {_heartbeatsKey} is '{pairs[i + 1]}', " +
                    $"not unix milliseconds; remove it with HDEL {_heartbeatsKey} {key}");
            }

            heartbeats[key] = heartbeat;
        }

        return heartbeats;
    }

    private static int Milliseconds(TimeSpan duration) => (int)Math.Ceiling(duration.TotalMilliseconds);

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
