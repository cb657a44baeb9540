using System.Diagnostics;
using Orrery.Compute;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;

namespace Orrery.Gcn.Training;

/// <summary>
/// Partition-parallel training of all parts in one process: the parts' models run one after another and their
/// boundary blocks are copied between them in the order the exchange mode prescribes. It is the reference the grain
/// run is checked against, and with one part it is plain full-graph training.
/// </summary>
public sealed class InProcessTrainer : IDisposable
{
    private readonly PartitionModel[] _parts;
    private readonly AdamOptimizer _adam;
    private readonly ExchangeSettings _exchange;
    private readonly float[] _gradient;
    private readonly float[] _weights;

    /// <summary>A trainer over <paramref name="plans"/>, weights initialised from <paramref name="config"/>'s seed.</summary>
    public InProcessTrainer(IComputeDevice device, GcnModelConfig config, PartitionPlan[] plans, ExchangeSettings exchange, float learningRate, float weightDecay = 0f)
    {
        exchange.Validate();
        Parameters = new GcnParameters(device, config);
        Parameters.Initialise();
        _parts = [.. plans.Select(plan => new PartitionModel(device, plan, Parameters))];
        _adam = new AdamOptimizer(Parameters.TotalLength, learningRate, weightDecay);
        _exchange = exchange;
        _gradient = new float[Parameters.TotalLength];
        _weights = new float[Parameters.TotalLength];
    }

    /// <summary>The weights (shared by every part).</summary>
    public GcnParameters Parameters { get; }

    /// <summary>The parts' models.</summary>
    public IReadOnlyList<PartitionModel> Parts => _parts;

    /// <summary>The summed weight gradient of the last <see cref="Step"/>, before Adam.</summary>
    public ReadOnlySpan<float> LastGradient => _gradient;

    /// <summary>Seconds spent copying boundary blocks in the last <see cref="Step"/>.</summary>
    public double LastExchangeSeconds { get; private set; }

    /// <summary>One training iteration: forward, loss, backward, summed gradients, Adam. Returns the summed scores.</summary>
    public SplitScores Step(int iteration, bool applyUpdate = true)
    {
        var exchangeClock = new Stopwatch();
        Forward(iteration, exchangeClock);
        var scores = SplitScores.Zero;
        foreach (var part in _parts)
        {
            scores = scores.Add(part.ComputeLoss());
        }

        Backward(exchangeClock);
        SumWeightGradients();
        if (applyUpdate)
        {
            Parameters.CopyTo(_weights);
            _adam.Step(_weights, _gradient);
            Parameters.Load(_weights);
        }

        if (_exchange.Stale)
        {
            CommitStale();
        }

        LastExchangeSeconds = exchangeClock.Elapsed.TotalSeconds;
        return scores;
    }

    /// <summary>A forward pass without dropout and with exact (this iteration's) halo rows; returns the scores.</summary>
    public SplitScores Evaluate()
    {
        var config = Parameters.Config;
        foreach (var part in _parts)
        {
            part.BeginForward(0, training: false);
        }

        for (var l = 0; l < config.Layers; l++)
        {
            if (config.ExchangesFeatures(l))
            {
                ExchangeFeatures(l, evaluation: true, commit: true);
            }

            foreach (var part in _parts)
            {
                part.ForwardLayer(l);
            }
        }

        var scores = SplitScores.Zero;
        foreach (var part in _parts)
        {
            scores = scores.Add(part.ComputeLoss());
        }

        return scores;
    }

    /// <summary>Trains <paramref name="epochs"/> epochs, evaluating after each.</summary>
    public IReadOnlyList<EpochMetrics> Train(int epochs, Action<EpochMetrics>? progress = null)
    {
        var metrics = new List<EpochMetrics>();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var train = Step(epoch);
            var seconds = clock.Elapsed.TotalSeconds;
            var evaluation = Evaluate();
            var row = new EpochMetrics(epoch, train.Loss, evaluation.Accuracy(0), evaluation.Accuracy(1), evaluation.Accuracy(2), seconds, LastExchangeSeconds,
                clock.Elapsed.TotalSeconds - seconds);
            metrics.Add(row);
            progress?.Invoke(row);
        }

        return metrics;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var part in _parts)
        {
            part.Dispose();
        }

        Parameters.Dispose();
    }

    /// <summary>The training forward pass, layer by layer: vanilla exchanges before each aggregating layer, the stale modes after it.</summary>
    private void Forward(int iteration, Stopwatch exchangeClock)
    {
        var config = Parameters.Config;
        foreach (var part in _parts)
        {
            part.BeginForward(iteration, training: true);
        }

        for (var l = 0; l < config.Layers; l++)
        {
            var aggregates = config.ExchangesFeatures(l);
            if (aggregates && !_exchange.Stale)
            {
                Timed(exchangeClock, () => ExchangeFeatures(l, evaluation: false, commit: true));
            }

            foreach (var part in _parts)
            {
                part.ForwardLayer(l);
            }

            if (aggregates && _exchange.Stale)
            {
                Timed(exchangeClock, () => ExchangeFeatures(l, evaluation: false, commit: false));
            }
        }
    }

    /// <summary>The backward pass from the last layer: each layer's halo gradients go back to their owners between its two halves.</summary>
    private void Backward(Stopwatch exchangeClock)
    {
        var config = Parameters.Config;
        for (var l = config.Layers - 1; l >= 0; l--)
        {
            var aggregates = config.ExchangesGradients(l);
            foreach (var part in _parts)
            {
                part.BackwardLayer(l);
            }

            if (aggregates && !_exchange.Stale)
            {
                Timed(exchangeClock, () => ExchangeGradients(l, commit: true));
            }

            foreach (var part in _parts)
            {
                part.FinishBackwardLayer(l);
            }

            if (aggregates && _exchange.Stale)
            {
                Timed(exchangeClock, () => ExchangeGradients(l, commit: false));
            }
        }
    }

    /// <summary>Weight gradients summed over the parts in part order, with no staleness.</summary>
    private void SumWeightGradients()
    {
        Array.Clear(_gradient);
        foreach (var part in _parts)
        {
            var share = part.Gradients.Flatten();
            for (var i = 0; i < share.Length; i++)
            {
                _gradient[i] += share[i];
            }
        }
    }

    /// <summary>What arrived during this iteration becomes what the next one reads: staleness exactly one.</summary>
    private void CommitStale()
    {
        for (var l = 0; l < Parameters.Config.Layers; l++)
        {
            foreach (var part in _parts)
            {
                part.CommitHaloFeatures(l, smooth: _exchange.SmoothFeatures, gamma: _exchange.Gamma);
                part.CommitBoundaryGradients(l, smooth: _exchange.SmoothGradients, gamma: _exchange.Gamma);
            }
        }
    }

    private static void Timed(Stopwatch clock, Action work)
    {
        clock.Start();
        work();
        clock.Stop();
    }

    private void ExchangeFeatures(int layer, bool evaluation, bool commit)
    {
        foreach (var sender in _parts)
        {
            for (var q = 0; q < _parts.Length; q++)
            {
                if (q != sender.Plan.Part && sender.Plan.SendToPeer[q].Length > 0)
                {
                    _parts[q].ReceiveHaloFeatures(layer, sender.Plan.Part, sender.BoundaryFeatures(layer, q), evaluation);
                }
            }
        }

        if (commit)
        {
            foreach (var part in _parts)
            {
                part.CommitHaloFeatures(layer, evaluation);
            }
        }
    }

    private void ExchangeGradients(int layer, bool commit)
    {
        foreach (var sender in _parts)
        {
            for (var q = 0; q < _parts.Length; q++)
            {
                if (q != sender.Plan.Part && sender.Plan.HaloByPeer[q].Count > 0)
                {
                    _parts[q].ReceiveBoundaryGradients(layer, sender.Plan.Part, sender.HaloGradients(layer, q));
                }
            }
        }

        if (commit)
        {
            foreach (var part in _parts)
            {
                part.CommitBoundaryGradients(layer);
            }
        }
    }
}
