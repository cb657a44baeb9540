namespace Orrery.Gcn.Model;

/// <summary>How a layer aggregates its neighbourhood.</summary>
public enum GcnLayerKind
{
    /// <summary>GraphSAGE-mean with the self-loop, divided by the global in-degree: h' = W1 h_v + b1 + W2 mean_{u in N(v) ∪ {v}} h_u + b2.</summary>
    Sage,

    /// <summary>Symmetric GCN normalisation: h' = W (D^-1/2 (A + I) D^-1/2 h)_v + b.</summary>
    Gcn,
}
