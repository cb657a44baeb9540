using System.Globalization;
using StackExchange.Redis;

namespace Orrery.Cluster.Membership.Redis;

// Change announcements: the table's one subscription to its pub/sub channel, fanned out to its subscribers.
public sealed partial class RedisMembershipTable
{
    /// <inheritdoc />
    /// <remarks>
    /// The table holds one Redis subscription to its channel, made by the first call, and fans
    /// each announcement out to its subscribers on the thread pool, never on the connection's
    /// reader. After a Redis restart the multiplexer subscribes again by itself; announcements
    /// made while it was away are lost, as the interface allows.
    /// </remarks>
    public async Task<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        await SubscribeChannelOnceAsync(cancellationToken).ConfigureAwait(false);
        var subscription = new Subscription(this, onChanged);
        lock (_subscriptions)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    private async Task SubscribeChannelOnceAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _channelSubscribed))
        {
            return;
        }

        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channelSubscribed)
            {
                return;
            }

            if (!_connection.IsConnected)
            {
                throw new MembershipException($"Redis {_endpoint} is unreachable for Subscribe: no connection is open; the multiplexer keeps trying");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_operationTimeout);
            try
            {
                await RunAsync("Subscribe", () => SubscribeChannelAsync(deadline.Token), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Take the handler off again, so the next attempt does not register it twice.
                await UnsubscribeChannelQuietlyAsync().ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _channelSubscribed, true);
        }
        finally
        {
            _channelGate.Release();
        }
    }

    /// <summary>
    /// Subscribes and returns once Redis has processed the SUBSCRIBE. 1.2.6 completes
    /// SubscribeAsync without sending anything while its subscription connection is not up
    /// (Redis down, or just after connect: about one connect in a hundred in a tight loop on the
    /// 2-core build machine) and sends SUBSCRIBE later; a change announced in between is lost.
    /// So wait until the subscription has a server, then make a round trip on the subscription
    /// connection, which Redis answers after the SUBSCRIBE.
    /// </summary>
    private async Task<bool> SubscribeChannelAsync(CancellationToken cancellationToken)
    {
        var subscriber = _connection.GetSubscriber();
        await subscriber.SubscribeAsync(_changesChannel, _onChangeAnnounced).ConfigureAwait(false);
        while (subscriber.SubscribedEndpoint(_changesChannel) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }

        await subscriber.PingAsync().ConfigureAwait(false);
        return true;
    }

    private async Task UnsubscribeChannelQuietlyAsync()
    {
        try
        {
            await _connection.GetSubscriber().UnsubscribeAsync(_changesChannel, _onChangeAnnounced, CommandFlags.FireAndForget).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The handler is removed locally before the UNSUBSCRIBE is sent; only that is lost.
        }
    }

    private void OnChangeAnnounced(RedisChannel channel, RedisValue message)
    {
        if (!long.TryParse((string?)message, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return;
        }

        Subscription[] subscriptions;
        lock (_subscriptions)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var subscription in subscriptions)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Subscription.Notify(s.Version), (Subscription: subscription, Version: version), preferLocal: false);
        }
    }

    /// <summary>One <see cref="SubscribeAsync"/> registration; disposing it stops the callbacks.</summary>
    private sealed class Subscription(RedisMembershipTable table, Action<long> onChanged) : IAsyncDisposable
    {
        private int _disposed;

        public void Notify(long version)
        {
            // Checked again here: an announcement already queued must not reach a disposed subscriber.
            if (Volatile.Read(ref _disposed) == 0)
            {
                onChanged(version);
            }
        }

        public ValueTask DisposeAsync()
        {
            Volatile.Write(ref _disposed, 1);
            lock (table._subscriptions)
            {
                table._subscriptions.Remove(this);
            }

            return ValueTask.CompletedTask;
        }
    }
}
