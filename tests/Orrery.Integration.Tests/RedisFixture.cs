using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>One real redis-server for a test class; each test uses a cluster id of its own on it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    internal RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisServer.StartNewAsync();

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}
