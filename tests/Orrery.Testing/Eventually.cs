using System.Diagnostics;

namespace Orrery.Testing;

/// <summary>Waits for a condition with a deadline, in place of fixed sleeps.</summary>
public static class Eventually
{
    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms until it holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} (waited {timeout.TotalSeconds:F0} s)");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="until"/> holds for its value, and returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(until);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe().ConfigureAwait(false);
            if (until(value))
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} (waited {timeout.TotalSeconds:F0} s; last: {value})");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
