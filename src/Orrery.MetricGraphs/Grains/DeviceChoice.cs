namespace Orrery.MetricGraphs.Grains;

/// <summary>A device an ensemble can be pinned to: the silo, the device's name there, and its share weight.</summary>
internal sealed record DeviceChoice(string Silo, string Device, double Weight);
