namespace Orrery.Gcn.Partitioning;

/// <summary>Partitioning could not run (METIS missing or failing); the message says what to install or change.</summary>
public sealed class PartitioningException(string message) : Exception(message);
