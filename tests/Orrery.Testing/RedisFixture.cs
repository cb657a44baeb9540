using Xunit;

namespace Orrery.Testing;

/// <summary>One real redis-server for a test class; each test uses a cluster id of its own on it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisServer.StartNewAsync();

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}
