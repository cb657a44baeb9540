using Orrery.Gcn.Kernels;
using Orrery.Gcn.Model;

namespace Orrery.Gcn.Training;

public sealed partial class PartitionModel
{
    /// <summary>
    /// Loss over this part's training nodes, divided by the global training count (softmax cross-entropy; sigmoid
    /// BCE averaged over classes too when multi-label, as <c>BCEWithLogitsLoss</c> does), its gradient into dL/dz of
    /// the last layer, and the correct counts of every split.
    /// </summary>
    public SplitScores ComputeLoss()
    {
        var z = Logits;
        var dz = _outputGradient[_config.Layers - 1];
        var classes = z.Columns;
        var correct = new long[3];
        var total = new long[3];
        var divisor = (double)Math.Max(1, _plan.GlobalTrainCount) * (_config.MultiLabel ? classes : 1);
        var scale = (float)(1.0 / divisor);

        // Per row: dz (zero outside the train split), the train rows' loss terms and the correct count:
        // gcn_softmax_cross_entropy or gcn_sigmoid_bce (kernels/gcn_loss.cu; twins in GcnLossKernels). The terms come back
        // one per element, not per row, so the host adds them to one running double in the order the former loop did.
        GcnLossKernels.LaunchLoss(_device, z.Buffer, _targets, _splitOnDevice, dz.Buffer, _lossTerms, _correctRows, z.Rows, classes, _config.MultiLabel, scale);
        _lossTerms.Download(_lossTermsOnHost);
        _correctRows.Download(_correctRowsOnHost);
        var loss = GcnLossKernels.SumLoss(_lossTermsOnHost, _correctRowsOnHost, _plan.Split.AsSpan(0, z.Rows), classes, _config.MultiLabel, correct, total);
        return new SplitScores(loss / divisor, correct, total);
    }

    /// <summary>
    /// Layer l backward from dL/dz_l: adds the layer's weight gradients, computes dL/dx_l for inner rows (without
    /// the peers' contributions yet) and dL/d(halo rows), which go back to their owners.
    /// </summary>
    public void BackwardLayer(int layer)
    {
        var p = Parameters;
        var g = Gradients;
        var x = _input[layer];
        var dz = _outputGradient[layer];
        var dx = _inputGradient[layer];
        int n = _plan.InnerCount, input = x.Columns, output = dz.Columns;
        ColumnSums(dz, g.Bias(layer));
        if (!_config.Aggregates(layer))
        {
            Gemm(x, dz, g.Weight(layer), transposeA: true, transposeB: false, input, output, n);
            Gemm(dz, p.Weight(layer), dx, false, true, n, input, output, beta: 0f);
            return;
        }

        var agg = _aggregate[layer]!;
        var dagg = _aggregateGradient[layer]!;
        // Layer 0's input is the raw features: nothing below it needs dL/dx_0, so only the weight gradients are formed.
        var inputGradient = layer > 0;
        if (_config.Kind == GcnLayerKind.Sage)
        {
            ColumnSums(dz, g.NeighbourBias(layer));
            Gemm(x, dz, g.Weight(layer), true, false, input, output, n);
            Gemm(agg, dz, g.NeighbourWeight(layer), true, false, input, output, n);
            if (inputGradient)
            {
                Gemm(dz, p.Weight(layer), dx, false, true, n, input, output, beta: 0f);
                Gemm(dz, p.NeighbourWeight(layer), dagg, false, true, n, input, output, beta: 0f);
            }
        }
        else
        {
            Gemm(agg, dz, g.Weight(layer), true, false, input, output, n);
            if (inputGradient)
            {
                Gemm(dz, p.Weight(layer), dagg, false, true, n, input, output, beta: 0f);
                dx.Clear();
            }
        }

        if (inputGradient)
        {
            ScatterAggregateGradient(dagg, dx, _haloGradient[layer]!);
        }
    }

    /// <summary>The gradients of <paramref name="peer"/>'s halo rows of x_l, in its send order: (count, in_l).</summary>
    public float[] HaloGradients(int layer, int peer)
    {
        var halo = _haloGradient[layer] ?? throw new InvalidOperationException($"layer {layer} sends no gradients (it does not aggregate, or it is layer 0)");
        var width = _config.InputWidth(layer);
        var (start, count) = _plan.HaloByPeer[peer];
        return halo.AsSpan(start * width, count * width).ToArray();
    }

    /// <summary>Stores <paramref name="peer"/>'s gradients of the rows this part sent it into the pending slot.</summary>
    public void ReceiveBoundaryGradients(int layer, int peer, ReadOnlySpan<float> block)
    {
        var (pending, offset) = PendingBoundaryGradients(layer, peer, block.Length);
        block.CopyTo(pending.AsSpan(offset));
    }

    /// <summary>
    /// Where <paramref name="peer"/>'s <paramref name="length"/> gradient values of the rows this part sent it go in the
    /// pending slot (for a driver that receives them in place); refuses a block of the wrong length.
    /// </summary>
    public (float[] Pending, int Offset) PendingBoundaryGradients(int layer, int peer, long length)
    {
        var slot = _boundaryGradients[layer] ?? throw new InvalidOperationException($"layer {layer} receives no gradients (it does not aggregate, or it is layer 0)");
        var count = _plan.SendToPeer[peer].Length;
        if (length != (long)count * slot.Columns)
        {
            throw new ArgumentException($"part {_plan.Part} layer {layer}: {length} gradient values from part {peer}; {count} rows of width {slot.Columns} need {count * slot.Columns}");
        }

        return (slot.Pending, _plan.SendOffset[peer] * slot.Columns);
    }

    /// <summary>Makes received boundary gradients current (see <see cref="HaloSlot.Commit"/>).</summary>
    public void CommitBoundaryGradients(int layer, bool smooth = false, float gamma = 0.95f) => _boundaryGradients[layer]?.Commit(smooth, gamma);

    /// <summary>The current boundary gradients of layer <paramref name="layer"/> (for tests of staleness).</summary>
    internal float[] CurrentBoundaryGradients(int layer) => _boundaryGradients[layer]?.Current ?? [];

    /// <summary>
    /// Completes layer l's backward: adds the current boundary gradients from the peers to dL/dx_l, then (l > 0)
    /// goes back through the dropout, ReLU and LayerNorm to dL/dz_{l-1}, adding LayerNorm's gradients.
    /// </summary>
    public void FinishBackwardLayer(int layer)
    {
        if (layer == 0)
        {
            return;
        }

        var dx = _inputGradient[layer];
        var width = dx.Columns;
        if (_boundaryGradients[layer] is { } slot && _plan.SendCount > 0)
        {
            // dx[send row] += its gradient from each peer: gcn_scatter_add_rows (kernels/gcn_rows.cu), one launch per peer
            // in peer order (a peer's rows are distinct; a row sent to several peers gets their adds in that order).
            var received = _receivedGradients[layer]!;
            received.Upload(slot.Current.AsSpan(0, _plan.SendCount * width));
            for (var q = 0; q < _plan.PartCount; q++)
            {
                GcnRowKernels.LaunchScatterAddRows(_device, dx.Buffer, _sendRows, received, _plan.SendOffset[q], _plan.SendToPeer[q].Length, width);
            }
        }

        var below = layer - 1;
        if (_config.Dropout > 0f && _training)
        {
            // dx *= the forward's mask factors: gcn_dropout_backward (kernels/gcn_dense.cu).
            GcnDenseKernels.LaunchDropoutBackward(_device, dx.Buffer, _dropScale[layer]!.Buffer, dx.Length);
        }

        // y = relu(γ x̂ + β), x̂ = (z − μ) · rstd.  dγ += Σ dy' x̂, dβ += Σ dy', dx̂ = dy' γ,
        // dz = rstd (dx̂ − mean(dx̂) − x̂ mean(dx̂ x̂)), with dy' = dy where y > 0: gcn_layer_norm_relu_backward (per row)
        // and gcn_layer_norm_relu_parameter_gradient (per column, adding row after row), kernels/gcn_dense.cu.
        var y = _activated[below];
        GcnDenseKernels.LaunchLayerNormReluBackward(
            _device, dx.Buffer, y.Buffer, _normalised[below].Buffer, Parameters.NormScale(below).Buffer, _inverseStd[below].Buffer,
            _outputGradient[below].Buffer, Gradients.NormScale(below).Buffer, Gradients.NormShift(below).Buffer, y.Rows, y.Columns);
    }

    /// <summary>
    /// destination += the column sums of source, row after row (a bias gradient): <c>gcn_column_sums</c>
    /// (kernels/gcn_dense.cu), one thread per column adding the rows in order.
    /// </summary>
    private void ColumnSums(Tensor2 source, Tensor2 destination) =>
        GcnDenseKernels.LaunchColumnSums(_device, source.Buffer, destination.Buffer, source.Rows, source.Columns);

    /// <summary>
    /// dx_ext[col_e] += coef_e · dagg[v]: the transpose of <see cref="Aggregate"/>, inner rows into dx (onto what it
    /// holds), halo rows into a zeroed dhalo. <c>gcn_aggregate_transpose</c> gathers each row's contributions in
    /// ascending v, the order a serial scatter over v adds them in.
    /// </summary>
    private void ScatterAggregateGradient(Tensor2 dagg, Tensor2 dx, float[] dhalo)
    {
        Array.Clear(dhalo);
        _aggregation.AggregateTranspose(dagg, dx, dhalo);
    }
}
