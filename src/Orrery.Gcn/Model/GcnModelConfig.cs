namespace Orrery.Gcn.Model;

/// <summary>The shape and regularisation of a GCN: every part of a training run builds the same model from it.</summary>
/// <param name="InputFeatures">Width of the node features.</param>
/// <param name="Hidden">Width of every hidden layer.</param>
/// <param name="Classes">Width of the output.</param>
/// <param name="Layers">Number of layers, graph and linear together (at least 1).</param>
/// <param name="LinearTail">How many of the last layers are plain linear layers without aggregation.</param>
/// <param name="Kind">The aggregation of the graph layers.</param>
/// <param name="Dropout">Probability of dropping each input element of each layer while training, in [0, 1).</param>
/// <param name="MultiLabel">Sigmoid BCE over independent labels when true, softmax cross-entropy otherwise.</param>
/// <param name="Seed">Seeds the initial weights and the dropout masks (Philox, keyed by global node id).</param>
/// <param name="PrecomputeFirstLayer">
/// Layer 0's aggregation of the raw features is computed once before training (it has no weights inside it), so
/// layer 0 exchanges nothing in any epoch; dropout then falls on the aggregate (its own mask) and on the features.
/// </param>
/// <param name="ExchangeInputRows">
/// Layer 0's halo rows (its peers' rows of x_0, the features after dropout) travel every iteration like every other
/// layer's, stale by one iteration when pipelined. False (the default): each part forms them itself from the halo's
/// raw features (every silo builds the whole graph) with the very mask their owner draws (Philox keyed by global node),
/// so layer 0 exchanges nothing and its rows are exact in every mode, bitwise what would have arrived.
/// </param>
public sealed record GcnModelConfig(
    int InputFeatures,
    int Hidden,
    int Classes,
    int Layers,
    int LinearTail = 0,
    GcnLayerKind Kind = GcnLayerKind.Sage,
    float Dropout = 0f,
    bool MultiLabel = false,
    ulong Seed = 1,
    bool PrecomputeFirstLayer = false,
    bool ExchangeInputRows = false)
{
    /// <summary>Checks the values; the message names the field.</summary>
    public void Validate()
    {
        if (InputFeatures < 1)
        {
            throw new ArgumentException($"model.inputFeatures is {InputFeatures}; it must be at least 1");
        }

        if (Hidden < 1)
        {
            throw new ArgumentException($"model.hidden is {Hidden}; it must be at least 1");
        }

        if (Classes < 1)
        {
            throw new ArgumentException($"model.classes is {Classes}; it must be at least 1");
        }

        if (Layers < 1)
        {
            throw new ArgumentException($"model.layers is {Layers}; it must be at least 1");
        }

        if (LinearTail < 0 || LinearTail >= Layers)
        {
            throw new ArgumentException($"model.linearLayers is {LinearTail}; it must be in [0, layers - 1] = [0, {Layers - 1}] so at least one layer aggregates");
        }

        if (!(Dropout >= 0f && Dropout < 1f))
        {
            throw new ArgumentException($"model.dropout is {Dropout}; it must be in [0, 1)");
        }
    }

    /// <summary>Input width of layer <paramref name="layer"/>.</summary>
    public int InputWidth(int layer) => layer == 0 ? InputFeatures : Hidden;

    /// <summary>Output width of layer <paramref name="layer"/>.</summary>
    public int OutputWidth(int layer) => layer == Layers - 1 ? Classes : Hidden;

    /// <summary>True when layer <paramref name="layer"/> aggregates over the graph (and so needs halo rows).</summary>
    public bool Aggregates(int layer) => layer < Layers - LinearTail;

    /// <summary>
    /// True when layer <paramref name="layer"/>'s forward pass needs its peers' rows in every epoch: it aggregates, and
    /// it is not layer 0 with its aggregation precomputed or its halo rows formed locally.
    /// </summary>
    public bool ExchangesFeatures(int layer) => Aggregates(layer) && !(layer == 0 && (PrecomputeFirstLayer || !ExchangeInputRows));

    /// <summary>True when each part forms layer 0's halo rows itself from the halo's raw features (see <see cref="ExchangeInputRows"/>).</summary>
    public bool FormsInputHaloLocally => Aggregates(0) && !PrecomputeFirstLayer && !ExchangeInputRows;

    /// <summary>True when the partition plans must carry the halo nodes' raw features (a precomputed or locally formed layer 0).</summary>
    public bool NeedsHaloFeatures => Aggregates(0) && !ExchangesFeatures(0);

    /// <summary>
    /// True when layer <paramref name="layer"/>'s backward pass sends gradients of its input rows to their owners:
    /// every exchanging layer but layer 0, whose input (the raw features) needs no gradient.
    /// </summary>
    public bool ExchangesGradients(int layer) => layer > 0 && ExchangesFeatures(layer);
}
