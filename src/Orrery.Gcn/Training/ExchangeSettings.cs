namespace Orrery.Gcn.Training;

/// <summary>How a run exchanges boundary rows.</summary>
/// <param name="Mode">Vanilla, pipelined or smoothed.</param>
/// <param name="Smoothing">What smoothed mode averages (ignored otherwise).</param>
/// <param name="Gamma">The moving average's decay, in [0, 1).</param>
public sealed record ExchangeSettings(ExchangeMode Mode = ExchangeMode.Vanilla, SmoothingTarget Smoothing = SmoothingTarget.Both, float Gamma = 0.95f)
{
    /// <summary>True when layers read last iteration's rows.</summary>
    public bool Stale => Mode != ExchangeMode.Vanilla;

    /// <summary>True when halo features are averaged.</summary>
    public bool SmoothFeatures => Mode == ExchangeMode.Smoothed && Smoothing.HasFlag(SmoothingTarget.Features);

    /// <summary>True when boundary gradients are averaged.</summary>
    public bool SmoothGradients => Mode == ExchangeMode.Smoothed && Smoothing.HasFlag(SmoothingTarget.Gradients);

    /// <summary>Checks the values; the message names the field.</summary>
    public void Validate()
    {
        if (!(Gamma >= 0f && Gamma < 1f))
        {
            throw new ArgumentException($"exchange.gamma is {Gamma}; it must be in [0, 1)");
        }
    }
}
