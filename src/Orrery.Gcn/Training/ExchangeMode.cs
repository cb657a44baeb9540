namespace Orrery.Gcn.Training;

/// <summary>How boundary rows cross between parts.</summary>
public enum ExchangeMode
{
    /// <summary>Every layer waits for this iteration's halo features (forward) and boundary gradients (backward).</summary>
    Vanilla,

    /// <summary>Every layer uses what arrived in the previous iteration (zeros at the first); staleness exactly one.</summary>
    Pipelined,

    /// <summary>Pipelined, with a moving average (γ) of the received features, gradients or both.</summary>
    Smoothed,
}
