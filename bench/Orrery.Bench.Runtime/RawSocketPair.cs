using System.Globalization;

namespace Orrery.Bench.Runtime;

/// <summary>
/// Two <see cref="RawSocketNode"/> processes, each connected to the other: node 1 sends to node 2
/// on one connection, node 2 to node 1 on another, as silo A and silo B each use their own
/// outbound connections.
/// </summary>
internal sealed class RawSocketPair : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private RawSocketPair(ChildProcess first, ChildProcess second)
    {
        First = first;
        Second = second;
    }

    public ChildProcess First { get; }

    public ChildProcess Second { get; }

    public static async Task<RawSocketPair> StartAsync(string logDirectory)
    {
        var first = ChildProcess.StartSelf("raw-node-1", ["raw-node"], logDirectory);
        var second = ChildProcess.StartSelf("raw-node-2", ["raw-node"], logDirectory);
        var pair = new RawSocketPair(first, second);
        try
        {
            var firstPort = PortOf(await first.ReadLineAsync(TimeSpan.FromSeconds(30)));
            var secondPort = PortOf(await second.ReadLineAsync(TimeSpan.FromSeconds(30)));
            await CommandAsync(first, $"connect 127.0.0.1 {secondPort}");
            await CommandAsync(second, $"connect 127.0.0.1 {firstPort}");
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="count"/> messages of <paramref name="bytes"/> from <paramref name="source"/>; returns the seconds until the last was acknowledged.</summary>
    public static async Task<double> SendAsync(ChildProcess source, int bytes, int count, int inFlight)
    {
        var answer = await CommandAsync(source, $"send {bytes} {count} {inFlight}");
        return double.Parse(answer.AsSpan(3), CultureInfo.InvariantCulture);
    }

    /// <summary>Makes both nodes receive into a new array per message (<paramref name="fresh"/>) or into their reused buffer.</summary>
    public async Task SetFreshBuffersAsync(bool fresh)
    {
        await CommandAsync(First, fresh ? "sink fresh" : "sink reuse");
        await CommandAsync(Second, fresh ? "sink fresh" : "sink reuse");
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }

    private static async Task<string> CommandAsync(ChildProcess node, string command)
    {
        await node.WriteLineAsync(command);
        var answer = await node.ReadLineAsync(CommandTimeout);
        return answer.StartsWith("ok", StringComparison.Ordinal)
            ? answer
            : throw new InvalidOperationException($"{node.Name} answered '{answer}' to '{command}'");
    }

    private static int PortOf(string ready) =>
        ready.StartsWith("ready ", StringComparison.Ordinal)
            ? int.Parse(ready.AsSpan(6), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"a raw node said '{ready}' instead of 'ready PORT'");
}
