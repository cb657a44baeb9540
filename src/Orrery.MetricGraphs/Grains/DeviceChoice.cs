using Orleans.Runtime;

namespace Orrery.MetricGraphs.Grains;

/// <summary>A device an ensemble can be placed on: the silo (name and address), the device's name there, and its share weight.</summary>
internal sealed record DeviceChoice(string Silo, SiloAddress Address, string Device, double Weight);
