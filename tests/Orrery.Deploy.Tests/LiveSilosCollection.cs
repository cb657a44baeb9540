namespace Orrery.Deploy.Tests;

/// <summary>
/// The tests that start silo processes (and Prometheus) run one class at a time, like the
/// integration tests: on a 2-core machine, overlapping clusters slow each other's startup.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LiveSilosCollection
{
    public const string Name = "live silos";
}
