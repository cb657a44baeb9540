using System.Diagnostics;
using Orleans;

namespace Orrery.Cluster.Silos;

/// <summary>
/// A client's calls to one coordinator grain on silo <c>coordinatorSilo</c>. A call that fails with an error that can
/// mean a lost silo (<see cref="SiloLoss.Means"/>: a timeout, a rejection) is judged by membership: when the silo is no
/// longer active the coordinator is lost (the workload's <c>lost</c> error is thrown, and the caller starts the run
/// again); while it is active the coordinator is slow, not gone, and the call answers null so the caller asks again.
/// Calls that go on failing that way for longer than <c>patience</c> throw the workload's <c>unanswered</c> error.
/// Any other failure is thrown as it is.
/// </summary>
public sealed class PatientCalls(
    IGrainFactory grains, string coordinatorSilo, TimeSpan patience, Func<Exception, Exception> lost, Func<Exception, TimeSpan, Exception> unanswered,
    Action<Exception>? askingAgain, CancellationToken cancellationToken)
{
    private Stopwatch? _failing;

    /// <summary>The call's answer, or null when it failed while the coordinator's silo is active (ask again).</summary>
    public async Task<T?> CallAsync<T>(Func<Task<T>> call)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            var answer = await call().ConfigureAwait(false);
            _failing = null;
            return answer;
        }
        catch (Exception e) when (SiloLoss.Means(e) && !cancellationToken.IsCancellationRequested)
        {
            _failing ??= Stopwatch.StartNew();
            var givingUp = _failing.Elapsed > patience;
            if (await LostSilo.WaitUntilGoneAsync(grains, coordinatorSilo, givingUp ? LostSilo.DefaultPatience : TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
            {
                throw lost(e);
            }

            if (givingUp)
            {
                throw unanswered(e, _failing.Elapsed);
            }

            askingAgain?.Invoke(e);
            if (e is not TimeoutException)
            {
                // A rejection comes back at once; a timeout has waited already. (A non-reentrant coordinator makes the
                // next call wait for the one that overran.)
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
    }
}
