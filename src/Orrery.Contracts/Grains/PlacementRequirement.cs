namespace Orrery.Contracts.Grains;

/// <summary>What a silo must offer to host a grain type.</summary>
public enum PlacementRequirement
{
    /// <summary>Any Active silo; capacity weight is the silo's CPU core count.</summary>
    Any = 0,

    /// <summary>Only silos reporting at least one GPU; capacity weight is the GPU count.</summary>
    Gpu = 1,
}
