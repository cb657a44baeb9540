using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;

namespace Orrery.Gcn.Training;

/// <summary>
/// The model's forward and backward on one part: inner rows only, with the halo rows supplied through
/// <see cref="HaloSlot"/>s that the driver (in-process trainer or partition grain) fills. It holds a reference to the
/// parameters (identical on every part) and accumulates this part's share of their gradients.
/// Shapes: n inner nodes, h halo nodes, in_l/out_l the widths of layer l.
/// </summary>
public sealed partial class PartitionModel : IDisposable
{
    private const float NormEpsilon = 1e-5f;
    private const ulong FeatureDropoutStream = 0x64726F70_00000000UL;   // "drop": the masks of x_l, per (iteration, layer)
    private const ulong AggregateDropoutStream = 0x61676772_00000000UL; // "aggr": the mask of the precomputed aggregate, per iteration

    private readonly IComputeDevice _device;
    private readonly GcnModelConfig _config;
    private readonly PartitionPlan _plan;
    private readonly Tensor2[] _input;       // x_l: (n, in_l), layer l's input after dropout
    private readonly Tensor2?[] _dropScale;  // (n, in_l): 0 or 1/(1-p) per element, null without dropout
    private readonly Tensor2?[] _aggregate;  // (n, in_l): normalised neighbourhood sum of layer l
    private readonly Tensor2[] _output;      // z_l: (n, out_l) before LayerNorm
    private readonly Tensor2[] _normalised;  // x̂_l: (n, out_l) LayerNorm's standardised z_l (not scaled)
    private readonly Tensor2[] _inverseStd;  // (n, 1) per row of z_l
    private readonly Tensor2[] _activated;   // relu(γ x̂ + β): (n, out_l)
    private readonly Tensor2[] _outputGradient;  // dL/dz_l: (n, out_l)
    private readonly Tensor2[] _inputGradient;   // dL/dx_l: (n, in_l)
    private readonly Tensor2?[] _aggregateGradient; // dL/d agg_l: (n, in_l)
    private readonly float[]?[] _haloGradient;      // dL/d halo_l: (h, in_l), sent back to the owners
    private readonly HaloSlot?[] _haloFeatures;     // received halo rows of x_l: (h, in_l)
    private readonly HaloSlot?[] _evaluationHalo;   // same for the dropout-free evaluation pass
    private readonly HaloSlot?[] _boundaryGradients; // received gradients of this part's sent rows: (SendCount, in_l)
    private readonly Tensor2? _firstAggregate;       // (n, in_0): layer 0's aggregation of the raw features, when precomputed
    private readonly PartitionAggregation _aggregation; // the plan's adjacency and its transpose on the device (kernels/gcn.cu)
    private readonly DeviceBuffer<int> _innerIds;       // (n): the inner rows' global node ids, which key the dropout masks
    private readonly DeviceBuffer<float> _targets;      // (n, classes): the plan's targets, for the loss (kernels/gcn_loss.cu)
    private readonly DeviceBuffer<byte> _splitOnDevice; // (n): the plan's split per inner row (0 train, 1 validation, 2 test, > 2 none)
    private readonly DeviceBuffer<double> _lossTerms;   // (n, classes): the loss kernel's terms, added up on the host
    private readonly DeviceBuffer<int> _correctRows;    // (n): the loss kernel's correct count per row
    private readonly double[] _lossTermsOnHost;         // (n, classes): _lossTerms downloaded
    private readonly int[] _correctRowsOnHost;          // (n): _correctRows downloaded
    private readonly DeviceBuffer<int> _sendRows;       // (SendCount): the per-peer send lists concatenated in peer order (inner rows)
    private readonly DeviceBuffer<float>?[] _sendBlock; // (SendCount, in_l): gathered boundary rows of x_l, allocated at the first send
    private readonly DeviceBuffer<float>?[] _receivedGradients; // (SendCount, in_l): the current boundary gradients, uploaded to add them
    private readonly DeviceBuffer<int> _allRows;        // (n): 0 .. n − 1, the row list of a whole-tensor copy on the device
    private readonly Tensor2? _features;               // (n, in_0): the plan's features kept on a GPU; null on the CPU (read from the plan)
    private readonly DeviceBuffer<int>? _haloIds;       // (h): the halo rows' global node ids, when layer 0 forms its halo rows itself
    private readonly Tensor2? _inputHalo;               // (h, in_0): the halo's features with this iteration's dropout, formed on the device
    private readonly float[]? _inputHaloRows;           // (h, in_0): _inputHalo downloaded, what a training pass aggregates
    private float[] _currentInputHalo = [];             // layer 0's halo rows for the pass under way (the raw features when not training)
    private readonly Lock _sendBlockGate = new();

    /// <summary>A model for <paramref name="plan"/>'s part, reading <paramref name="parameters"/>.</summary>
    public PartitionModel(IComputeDevice device, PartitionPlan plan, GcnParameters parameters)
    {
        _device = device;
        _plan = plan;
        _config = parameters.Config;
        Parameters = parameters;
        Gradients = new GcnParameters(device, _config);
        var layers = _config.Layers;
        int n = plan.InnerCount, h = plan.HaloCount;
        _input = new Tensor2[layers];
        _dropScale = new Tensor2?[layers];
        _aggregate = new Tensor2?[layers];
        _output = new Tensor2[layers];
        _normalised = new Tensor2[layers];
        _inverseStd = new Tensor2[layers];
        _activated = new Tensor2[layers];
        _outputGradient = new Tensor2[layers];
        _inputGradient = new Tensor2[layers];
        _aggregateGradient = new Tensor2?[layers];
        _haloGradient = new float[]?[layers];
        _haloFeatures = new HaloSlot?[layers];
        _evaluationHalo = new HaloSlot?[layers];
        _boundaryGradients = new HaloSlot?[layers];
        _sendBlock = new DeviceBuffer<float>?[layers];
        _receivedGradients = new DeviceBuffer<float>?[layers];
        for (var l = 0; l < layers; l++)
        {
            int input = _config.InputWidth(l), output = _config.OutputWidth(l);
            _input[l] = new Tensor2(device, n, input);
            _dropScale[l] = _config.Dropout > 0f ? new Tensor2(device, n, input) : null;
            _output[l] = new Tensor2(device, n, output);
            _normalised[l] = new Tensor2(device, n, output);
            _inverseStd[l] = new Tensor2(device, n, 1);
            _activated[l] = new Tensor2(device, n, output);
            _outputGradient[l] = new Tensor2(device, n, output);
            _inputGradient[l] = new Tensor2(device, n, input);
            if (_config.Aggregates(l))
            {
                _aggregate[l] = new Tensor2(device, n, input);
                _aggregateGradient[l] = new Tensor2(device, n, input);
            }

            if (_config.ExchangesFeatures(l))
            {
                _haloFeatures[l] = new HaloSlot(h, input);
                _evaluationHalo[l] = new HaloSlot(h, input);
            }

            if (_config.ExchangesGradients(l))
            {
                _haloGradient[l] = new float[h * input];
                _boundaryGradients[l] = new HaloSlot(plan.SendCount, input);
                _receivedGradients[l] = device.Allocate<float>(Math.Max(1, plan.SendCount * input));
            }
        }

        _aggregation = new PartitionAggregation(device, plan);
        if (device is CpuDevice cpu)
        {
            GcnDenseKernels.Register(cpu.Kernels);
            GcnLossKernels.Register(cpu.Kernels);
            GcnRowKernels.Register(cpu.Kernels);
        }

        _sendRows = device.Allocate<int>(Math.Max(1, plan.SendCount));
        _sendRows.Upload(plan.SendToPeer.SelectMany(rows => rows).ToArray());

        _allRows = device.Allocate<int>(Math.Max(1, n));
        _allRows.Upload(Enumerable.Range(0, n).ToArray());
        if (device is not CpuDevice)
        {
            // A GPU keeps the features: each iteration then copies them on the device instead of uploading n × in_0 floats.
            _features = new Tensor2(device, n, _config.InputFeatures);
            _features.Upload(plan.Features.AsSpan(0, _features.Length));
        }

        _innerIds = device.Allocate<int>(Math.Max(1, n));
        _innerIds.Upload(plan.Inner);
        var classes = _config.OutputWidth(layers - 1);
        _targets = device.Allocate<float>(Math.Max(1, n * classes));
        _targets.Upload(plan.Targets.AsSpan(0, n * classes));
        _splitOnDevice = device.Allocate<byte>(Math.Max(1, n));
        _splitOnDevice.Upload(plan.Split.AsSpan(0, n));
        _lossTerms = device.Allocate<double>(Math.Max(1, n * classes));
        _correctRows = device.Allocate<int>(Math.Max(1, n));
        _lossTermsOnHost = new double[n * classes];
        _correctRowsOnHost = new int[n];

        if (_config.PrecomputeFirstLayer)
        {
            _firstAggregate = PrecomputeFirstAggregate(device, plan, _config.InputFeatures);
        }

        if (_config.FormsInputHaloLocally)
        {
            RequireHaloFeatures(plan, _config.InputFeatures, "a layer 0 that forms its halo rows itself (exchange.input_rows: local)");
            _currentInputHalo = plan.HaloFeatures;
            if (_config.Dropout > 0f && h > 0)
            {
                _haloIds = device.Allocate<int>(h);
                _haloIds.Upload(plan.Halo);
                _inputHalo = new Tensor2(device, h, _config.InputFeatures);
                _inputHaloRows = new float[h * _config.InputFeatures];
            }
        }
    }

    /// <summary>The device its tensors live on and its kernels run on.</summary>
    public IComputeDevice Device => _device;

    /// <summary>The part this model computes.</summary>
    public PartitionPlan Plan => _plan;

    /// <summary>The weights it reads.</summary>
    public GcnParameters Parameters { get; }

    /// <summary>This part's share of the gradients of the last <see cref="BackwardLayer"/> calls.</summary>
    public GcnParameters Gradients { get; }

    /// <summary>Starts an iteration: x_0 = dropout(features) while training, the features as they are otherwise.</summary>
    public void BeginForward(int iteration, bool training)
    {
        Gradients.Clear();
        if (_features is not null)
        {
            Copy(_input[0], _features);
        }
        else
        {
            _input[0].Upload(_plan.Features.AsSpan(0, _input[0].Length));
        }

        if (training)
        {
            ApplyDropout(0, iteration);
        }

        if (_config.FormsInputHaloLocally)
        {
            FormInputHalo(iteration, training);
        }

        _training = training;
        _iteration = iteration;
    }

    /// <summary>
    /// Layer 0's halo rows for this pass, formed here instead of received: the halo's raw features, and while training
    /// with the dropout mask of iteration <paramref name="iteration"/>, layer 0, drawn by global node id exactly as each
    /// row's owner draws it for its own x_0 (<see cref="ApplyDropout(int, int)"/>): bitwise the rows the owner would send.
    /// </summary>
    private void FormInputHalo(int iteration, bool training)
    {
        if (!training || _inputHalo is null)
        {
            _currentInputHalo = _plan.HaloFeatures;
            return;
        }

        _inputHalo.Upload(_plan.HaloFeatures.AsSpan(0, _inputHalo.Length));
        GcnDenseKernels.LaunchDropout(
            _device, _inputHalo.Buffer, null, _haloIds!, _inputHalo.Rows, _inputHalo.Columns, _config.Seed, FeatureStream(iteration, 0), _config.Dropout);
        _inputHalo.Download(_inputHaloRows);
        _currentInputHalo = _inputHaloRows!;
    }

    private bool _training;
    private int _iteration;

    /// <summary>The rows of x_l that <paramref name="peer"/> needs, in its halo order: (count, in_l).</summary>
    public float[] BoundaryFeatures(int layer, int peer)
    {
        var count = _plan.SendToPeer[peer].Length;
        var x = _input[layer];
        var width = x.Columns;
        var block = new float[count * width];
        if (block.Length == 0)
        {
            return block;
        }

        // The peer's range of the send block: gcn_gather_rows (kernels/gcn_rows.cu; its twin in GcnRowKernels on the CPU
        // device). Calls for different peers write disjoint ranges.
        var first = _plan.SendOffset[peer];
        var send = SendBlock(layer);
        GcnRowKernels.LaunchGatherRows(_device, x.Buffer, _sendRows, send, first, count, width);
        send.Download(block, (long)first * width);
        return block;
    }

    /// <summary>Layer <paramref name="layer"/>'s send block (SendCount, in_l), allocated when the layer first sends.</summary>
    private DeviceBuffer<float> SendBlock(int layer)
    {
        lock (_sendBlockGate)
        {
            return _sendBlock[layer] ??= _device.Allocate<float>(Math.Max(1, _plan.SendCount * _input[layer].Columns));
        }
    }

    /// <summary>Stores the rows of x_l owned by <paramref name="peer"/> into the pending halo (training or evaluation pass).</summary>
    public void ReceiveHaloFeatures(int layer, int peer, ReadOnlySpan<float> block, bool evaluation = false)
    {
        var (pending, offset) = PendingHaloFeatures(layer, peer, block.Length, evaluation);
        block.CopyTo(pending.AsSpan(offset));
    }

    /// <summary>
    /// Where the <paramref name="length"/> values of x_l's rows owned by <paramref name="peer"/> go in the pending halo
    /// (for a driver that receives them in place); refuses a block of the wrong length.
    /// </summary>
    public (float[] Pending, int Offset) PendingHaloFeatures(int layer, int peer, long length, bool evaluation = false)
    {
        var slot = (evaluation ? _evaluationHalo[layer] : _haloFeatures[layer])
            ?? throw new InvalidOperationException($"layer {layer} exchanges no rows (it does not aggregate, or its aggregation is precomputed)");
        var (start, count) = _plan.HaloByPeer[peer];
        if (length != (long)count * slot.Columns)
        {
            throw new ArgumentException($"part {_plan.Part} layer {layer}: {length} values from part {peer}; its {count} halo rows of width {slot.Columns} need {count * slot.Columns}");
        }

        return (slot.Pending, start * slot.Columns);
    }

    /// <summary>Makes received halo features current (see <see cref="HaloSlot.Commit"/>).</summary>
    public void CommitHaloFeatures(int layer, bool evaluation = false, bool smooth = false, float gamma = 0.95f) =>
        (evaluation ? _evaluationHalo[layer] : _haloFeatures[layer])?.Commit(smooth, gamma);

    /// <summary>Layer 0's halo rows of the pass under way when this part forms them itself (for tests), else empty.</summary>
    internal float[] CurrentInputHalo => _currentInputHalo;

    /// <summary>The halo rows of the current halo features of layer <paramref name="layer"/> (for tests of staleness).</summary>
    internal float[] CurrentHaloFeatures(int layer) => _haloFeatures[layer]?.Current ?? [];

    /// <summary>
    /// Layer l forward: z_l = aggregation of x_l (inner rows and current halo rows), then for every layer but the
    /// last LayerNorm, ReLU and the next layer's dropout into x_{l+1}.
    /// </summary>
    public void ForwardLayer(int layer)
    {
        var p = Parameters;
        var x = _input[layer];
        var z = _output[layer];
        int n = _plan.InnerCount, input = x.Columns, output = z.Columns;
        Broadcast(z, p.Bias(layer));
        if (!_config.Aggregates(layer))
        {
            Gemm(x, p.Weight(layer), z, transposeA: false, transposeB: false, n, output, input);
        }
        else
        {
            var agg = _aggregate[layer]!;
            if (layer == 0 && _firstAggregate is { } precomputed)
            {
                Copy(agg, precomputed);
                if (_training)
                {
                    ApplyDropout(agg, null, AggregateDropoutStream | ((ulong)(uint)_iteration << 8));
                }
            }
            else
            {
                var halo = layer == 0 && _config.FormsInputHaloLocally
                    ? _currentInputHalo
                    : (_training ? _haloFeatures[layer] : _evaluationHalo[layer])!.Current;
                Aggregate(x, halo, agg);
            }

            if (_config.Kind == GcnLayerKind.Sage)
            {
                AddBroadcast(z, p.NeighbourBias(layer));
                Gemm(x, p.Weight(layer), z, false, false, n, output, input);
                Gemm(agg, p.NeighbourWeight(layer), z, false, false, n, output, input);
            }
            else
            {
                Gemm(agg, p.Weight(layer), z, false, false, n, output, input);
            }
        }

        if (layer == _config.Layers - 1)
        {
            return;
        }

        NormaliseAndActivate(layer);
        Copy(_input[layer + 1], _activated[layer]);
        if (_training)
        {
            ApplyDropout(layer + 1, _iteration);
        }
    }

    /// <summary>The logits: z of the last layer, (n, classes).</summary>
    public Tensor2 Logits => _output[_config.Layers - 1];

    /// <inheritdoc />
    public void Dispose()
    {
        Gradients.Dispose();
        foreach (var t in _input.Concat(_output).Concat(_normalised).Concat(_inverseStd).Concat(_activated).Concat(_outputGradient).Concat(_inputGradient))
        {
            t.Dispose();
        }

        foreach (var t in _aggregate.Concat(_aggregateGradient).Concat(_dropScale).Append(_firstAggregate).Append(_features).Append(_inputHalo))
        {
            t?.Dispose();
        }

        _haloIds?.Dispose();

        _aggregation.Dispose();
        _innerIds.Dispose();
        _targets.Dispose();
        _splitOnDevice.Dispose();
        _lossTerms.Dispose();
        _correctRows.Dispose();
        _sendRows.Dispose();
        _allRows.Dispose();
        foreach (var buffer in _sendBlock.Concat(_receivedGradients))
        {
            buffer?.Dispose();
        }
    }

    /// <summary>
    /// destination = source, two tensors of one shape on the model's device: <c>gcn_gather_rows</c> (kernels/gcn_rows.cu)
    /// over the rows 0 .. n − 1, so a GPU copies without the host and the CPU device runs the same launch's twin.
    /// </summary>
    private void Copy(Tensor2 destination, Tensor2 source)
    {
        if (destination.Rows != source.Rows || destination.Columns != source.Columns || source.Rows > _plan.InnerCount)
        {
            throw new ArgumentException($"a copy from {source} into {destination}: the shapes differ, or there are more than the part's {_plan.InnerCount} rows");
        }

        GcnRowKernels.LaunchGatherRows(_device, source.Buffer, _allRows, destination.Buffer, 0, source.Rows, source.Columns);
    }

    /// <summary>Every row of <paramref name="destination"/> set to <paramref name="row"/>: <c>gcn_broadcast_rows</c> (kernels/gcn_dense.cu).</summary>
    private void Broadcast(Tensor2 destination, Tensor2 row) =>
        GcnDenseKernels.LaunchBroadcastRows(_device, destination.Buffer, row.Buffer, destination.Rows, destination.Columns, accumulate: false);

    /// <summary><paramref name="row"/> added to every row of <paramref name="destination"/>: <c>gcn_add_broadcast_rows</c>.</summary>
    private void AddBroadcast(Tensor2 destination, Tensor2 row) =>
        GcnDenseKernels.LaunchBroadcastRows(_device, destination.Buffer, row.Buffer, destination.Rows, destination.Columns, accumulate: true);

    /// <summary>C (m, n) += op(A) op(B), op(A) (m, k); skipped when any size is 0.</summary>
    private void Gemm(Tensor2 a, Tensor2 b, Tensor2 c, bool transposeA, bool transposeB, int m, int n, int k, float beta = 1f)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (beta == 0f)
            {
                c.Clear();
            }

            return;
        }

        _device.Sgemm(
            transposeA ? MatrixTranspose.Transpose : MatrixTranspose.None,
            transposeB ? MatrixTranspose.Transpose : MatrixTranspose.None,
            m, n, k, 1f, a.Buffer, a.Columns, b.Buffer, b.Columns, beta, c.Buffer, c.Columns);
    }

    /// <summary>
    /// agg[v] = Σ_e coef_e · x_ext[col_e] over v's adjacency row, x_ext = [inner x; halo]: <c>gcn_aggregate</c>
    /// (kernels/gcn.cu; its twin in <see cref="GcnKernels"/> on the CPU device). Within a row the sum runs in global-id
    /// order, the same order on every partitioning.
    /// </summary>
    private void Aggregate(Tensor2 x, float[] halo, Tensor2 agg) => _aggregation.Aggregate(x, halo, agg);

    /// <summary>
    /// Layer 0's aggregation of the raw features, computed once: the same sum in the same (global-id) order as
    /// <see cref="Aggregate"/>, over the inner features and the plan's halo features, so it is bitwise what the
    /// per-epoch aggregation of undropped features would give on any partitioning.
    /// </summary>
    private Tensor2 PrecomputeFirstAggregate(IComputeDevice device, PartitionPlan plan, int width)
    {
        RequireHaloFeatures(plan, width, "a precomputed first layer");

        using var features = new Tensor2(device, plan.InnerCount, width);
        features.Upload(plan.Features.AsSpan(0, features.Length));
        var aggregate = new Tensor2(device, plan.InnerCount, width);
        Aggregate(features, plan.HaloFeatures, aggregate);
        return aggregate;
    }

    private void ApplyDropout(int layer, int iteration) =>
        // One Philox stream per (iteration, layer); the counter is (global node, column / 4), so the mask of a node
        // does not depend on which part owns it.
        ApplyDropout(_input[layer], _dropScale[layer], FeatureStream(iteration, layer));

    /// <summary>The Philox stream of the masks of x_<paramref name="layer"/> in iteration <paramref name="iteration"/>.</summary>
    private static ulong FeatureStream(int iteration, int layer) => FeatureDropoutStream | ((ulong)(uint)iteration << 8) | (uint)layer;

    /// <summary>Throws, naming <paramref name="what"/>, when <paramref name="plan"/> lacks the halo's raw features.</summary>
    private static void RequireHaloFeatures(PartitionPlan plan, int width, string what)
    {
        if (plan.HaloFeatures.Length != plan.HaloCount * width)
        {
            throw new ArgumentException($"part {plan.Part}: the plan holds {plan.HaloFeatures.Length} halo feature values, not the {plan.HaloCount} x {width} {what} needs (build the plans with haloFeatures: true)");
        }
    }

    /// <summary>
    /// x *= 0 or 1/(1-p) per element, the factors into <paramref name="scale"/> unless it is null: <c>gcn_dropout</c>
    /// (kernels/gcn_dense.cu; its twin in <see cref="GcnDenseKernels"/> on the CPU device), Philox block
    /// (seed, stream, global node · ceil(width / 4) + column / 4), one word per column. Nothing happens at rate 0.
    /// </summary>
    private void ApplyDropout(Tensor2 x, Tensor2? scale, ulong stream) =>
        GcnDenseKernels.LaunchDropout(_device, x.Buffer, scale?.Buffer, _innerIds, x.Rows, x.Columns, _config.Seed, stream, _config.Dropout);

    /// <summary>
    /// x̂_l = LayerNorm(z_l) without its affine part, and relu(γ x̂_l + β) into the activations: <c>gcn_layer_norm_relu</c>
    /// (kernels/gcn_dense.cu; its twin in <see cref="GcnDenseKernels"/> on the CPU device), each row's mean and variance
    /// summed serially in double over its columns.
    /// </summary>
    private void NormaliseAndActivate(int layer)
    {
        var z = _output[layer];
        GcnDenseKernels.LaunchLayerNormRelu(
            _device, z.Buffer, Parameters.NormScale(layer).Buffer, Parameters.NormShift(layer).Buffer, _normalised[layer].Buffer,
            _activated[layer].Buffer, _inverseStd[layer].Buffer, z.Rows, z.Columns, NormEpsilon);
    }
}
