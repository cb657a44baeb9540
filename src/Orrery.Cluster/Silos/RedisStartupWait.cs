using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Waits at silo start until the membership table's Redis answers PING, so a silo that starts before Redis (a
/// Kubernetes rollout, Redis restarting) waits with a clear log line instead of failing inside Orleans's start and
/// crash-looping.
/// </summary>
public static partial class RedisStartupWait
{
    /// <summary>Seconds between two tries.</summary>
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Returns once Redis at <paramref name="connectionString"/> answers PING. Throws <see cref="TimeoutException"/>
    /// naming the endpoint, the last error and the <c>Membership:Redis:StartupWait</c> setting when it has not within
    /// <paramref name="wait"/> (zero: one try).
    /// </summary>
    public static async Task WaitAsync(string connectionString, TimeSpan wait, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var options = ConfigurationOptions.Parse(connectionString);
        var endpoints = string.Join(", ", options.EndPoints.Select(e => e.ToString()));
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = (int)Math.Clamp(RetryPeriod.TotalMilliseconds, 500, 5000);
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            string error;
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null).ConfigureAwait(false);
                await connection.GetDatabase().PingAsync().ConfigureAwait(false);
                if (attempt > 1)
                {
                    LogAnswered(logger, endpoints, clock.Elapsed.TotalSeconds);
                }

                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException or System.Net.Sockets.SocketException)
            {
                error = e.Message.ReplaceLineEndings(" ");
            }

            var left = wait - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"Redis at {endpoints} (Membership:Redis:ConnectionString) did not answer within Membership:Redis:StartupWait ({wait}): {error}");
            }

            LogWaiting(logger, endpoints, attempt, error, RetryPeriod.TotalSeconds, left.TotalSeconds);
            await Task.Delay(left < RetryPeriod ? left : RetryPeriod, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = OrreryLogEvents.RedisAnswered, Level = LogLevel.Information, Message = "Redis at {Endpoints} (membership table) answers after {Seconds:F0} s; starting the silo")]
    private static partial void LogAnswered(ILogger logger, string endpoints, double seconds);

    [LoggerMessage(EventId = OrreryLogEvents.RedisWaiting, Level = LogLevel.Warning,
        Message = "Waiting for Redis at {Endpoints} (membership table), try {Attempt}: {Error}; trying again in {Retry} s, giving up in {Left:F0} s (Membership:Redis:StartupWait)")]
    private static partial void LogWaiting(ILogger logger, string endpoints, int attempt, string error, double retry, double left);
}
