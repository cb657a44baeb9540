namespace Orrery.Contracts.Grains;

/// <summary>
/// Marks a grain method that may run while another request of the same activation is in
/// progress (progress queries, cancellation). Unmarked methods run one at a time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AlwaysInterleaveAttribute : Attribute;
