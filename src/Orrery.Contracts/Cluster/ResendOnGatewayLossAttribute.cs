namespace Orrery.Contracts.Cluster;

/// <summary>
/// Marks a grain method that may run twice with the effect of running once, and that takes a
/// <see cref="CancellationToken"/>: an Orleans client of a silo cluster (not a grain) sends such a call again through
/// another gateway when a gateway connection is lost while the call is in flight. Orleans 10.4.2's client neither fails
/// nor resends a call whose gateway died after the call went out through it: the caller would wait out its whole
/// deadline. Only methods whose repetition is harmless may carry it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ResendOnGatewayLossAttribute : Attribute
{
}
