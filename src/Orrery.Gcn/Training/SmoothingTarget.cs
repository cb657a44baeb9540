namespace Orrery.Gcn.Training;

/// <summary>What smoothed exchange averages.</summary>
[Flags]
public enum SmoothingTarget
{
    /// <summary>Nothing (plain pipelining).</summary>
    None = 0,

    /// <summary>Halo features (PipeGCN-F).</summary>
    Features = 1,

    /// <summary>Boundary gradients (PipeGCN-G).</summary>
    Gradients = 2,

    /// <summary>Both (PipeGCN-GF).</summary>
    Both = Features | Gradients,
}
