using Orleans.Runtime;
using Orrery.Cluster.Silos;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>Which exceptions can mean a lost silo, by type: the ones Orleans and the tensor channel raise when it goes.</summary>
public sealed class SiloLossTests
{
    [Fact]
    public void RejectionsTimeoutsLostTensorsAndOrleansCancellationsCanMeanALostSilo()
    {
        Assert.True(SiloLoss.Means(new SiloUnavailableException("gone")));
        Assert.True(SiloLoss.Means(new TimeoutException("slow")));

        // Orleans cancels a directory lookup that a membership change overtook: seen right after a silo was killed.
        Assert.True(SiloLoss.Means(new OperationCanceledException()));
        Assert.True(SiloLoss.Means(new TaskCanceledException()));
    }

    [Fact]
    public void ErrorsOfTheWorkItselfNeverDo()
    {
        Assert.False(SiloLoss.Means(new ArgumentException("bad request")));
        Assert.False(SiloLoss.Means(new InvalidOperationException("out of order")));
        Assert.False(SiloLoss.Means(new OrleansException("a grain threw")));
        Assert.False(SiloLoss.Means(new OverflowException("diverged")));
    }
}
