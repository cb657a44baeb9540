using Orrery.Testing;

namespace Orrery.Cluster.Tests.Membership;

/// <summary>
/// One <c>redis-server</c> shared by the tests of a class. Tests keep apart by ClusterId; a test
/// that stops or pauses Redis starts its own server instead.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>The running server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("the fixture has not been initialised");

    public async Task InitializeAsync() => _server = await RedisServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
