using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Kernels;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;
using static Orrery.Compute.DeviceBuffers;

namespace Orrery.GpuCheck;

/// <summary>
/// The GCN's kernels (kernels/gcn.cu, gcn_dense.cu, gcn_loss.cu and gcn_rows.cu) on the device under test against their CPU
/// twins (<see cref="GcnKernels"/>, <see cref="GcnDenseKernels"/>, <see cref="GcnLossKernels"/>, <see cref="GcnRowKernels"/>): the same inputs
/// go through the same launch helpers on a CPU device and on the device, and both results are downloaded. The kernels
/// round every product and add once, in the twins' order, so the expected result is bitwise equality, except for the
/// loss, whose exp and log are CUDA's on the device and libm's on the CPU (a stated tolerance, see <see cref="Loss"/>);
/// a row that fails reports the largest absolute difference and how many elements differ. tests/Orrery.Gcn.Tests/HostEmulation/ runs this class on the g++-built
/// kernels at these same sizes.
/// </summary>
/// <param name="device">The device under test.</param>
/// <param name="table">Where the rows go.</param>
/// <param name="output">Where the sizes and any exception are written.</param>
/// <param name="graphNodes">Nodes of the CSBM graph whose parts the aggregation runs on; 3,000 by default.</param>
/// <param name="denseRows">Rows of the larger dense shape (width 128, and 41 classes for the loss; the other is 33 x 7); 5,000 by default.</param>
/// <param name="trainingHidden">The hidden width of the training step's model; 32 by default, 0 for no training rows.</param>
internal sealed class GcnChecks(IComputeDevice device, CheckTable table, TextWriter output, int graphNodes = 3000, int denseRows = 5000, int trainingHidden = 32)
{
    /// <summary>Parts the CSBM graph is split into: every part then has a halo, so both halves of [x; halo] are read.</summary>
    private const int Parts = 3;

    /// <summary>LayerNorm's epsilon, as the model uses it.</summary>
    private const float Epsilon = 1e-5f;

    private string Pair => $"{device.Name} vs cpu";

    /// <summary>Adds one row per kernel, per layer kind and width for the aggregation, per shape for the dense kernels.</summary>
    public void Run()
    {
        using var cpu = new CpuDevice();
        GcnKernels.Register(cpu.Kernels);
        GcnDenseKernels.Register(cpu.Kernels);
        GcnLossKernels.Register(cpu.Kernels);
        GcnRowKernels.Register(cpu.Kernels);

        // Seeded CSBM in 4 classes, ~10 neighbours within the class and ~2 across per node: at 3,000 nodes a part holds
        // ~1,000 inner nodes and, split at random, a halo of nearly all ~2,000 others (each has ~11 neighbours, a third here).
        var nodes = graphNodes;
        var graph = new CsbmGenerator(nodes, Classes: 4, Features: 8, IntraProbability: 10.0 / (nodes / 4.0), InterProbability: 2.0 / nodes, Separation: 1.0, Seed: 11).Generate();
        var assignment = RandomPartitioner.Partition(graph.NodeCount, Parts, seed: 5);
        foreach (var kind in new[] { GcnLayerKind.Sage, GcnLayerKind.Gcn })
        {
            var plans = PartitionPlan.Build(graph, assignment, Parts, kind);
            foreach (var width in new[] { 64, 7 })
            {
                var label = $"{kind.ToString().ToLowerInvariant()}, {Parts} parts of {nodes} nodes, width {width}";
                Guard($"gcn_aggregate {label}", () => Aggregation(cpu, plans, width, label));
                Guard($"gcn_gather_rows {label}", () => RowCopies(cpu, plans, width, label));
            }

            if (trainingHidden > 0)
            {
                Guard($"gcn training step {kind.ToString().ToLowerInvariant()}", () => TrainingStep(cpu, graph, kind));
            }
        }

        foreach (var (n, width) in new[] { (denseRows, 128), (33, 7) })
        {
            Dense(cpu, n, width);
        }

        foreach (var (n, classes) in new[] { (denseRows, 41), (33, 7) })
        {
            Loss(cpu, n, classes, multiLabel: false);
            Loss(cpu, n, classes, multiLabel: true);
        }
    }

    /// <summary>
    /// One training iteration of the whole model with its tensors on the device (PartitionModel through InProcessTrainer:
    /// every kernel, cuBLAS's GEMM, the uploads and downloads between them) against the same iteration on the CPU device:
    /// 3 layers (2 aggregating, hidden 32 unless told, a linear tail), LayerNorm, ReLU, dropout 0.5, 2 random parts so the halo rows
    /// cross. The kernels are bitwise; the GEMMs are not: cuBLAS and OpenBLAS (or the managed GEMM) add a dot product's
    /// terms in other orders, a relative error of about sqrt(K) · 2^-24 of the sum of |terms| (K ≤ 1,500 here, the
    /// weight gradients' sums over a part's rows), carried through LayerNorm. Loss: relative 1e-5, some ten times that
    /// estimate through three layers. Summed weight gradients: |device − cpu| ≤ 1e-3 · max|g| + 1e-3 · |g| per element,
    /// an absolute floor since an element that is a sum of cancelling terms has no relative accuracy to keep. A wrong
    /// launch (transposed operand, missing term, a stale upload) is off by the size of the gradient itself.
    /// </summary>
    private void TrainingStep(CpuDevice cpu, GcnGraph graph, GcnLayerKind kind)
    {
        var label = $"{kind.ToString().ToLowerInvariant()}, 2 parts of {graph.NodeCount} nodes";
        var config = new GcnModelConfig(graph.FeatureCount, Hidden: trainingHidden, Classes: graph.ClassCount, Layers: 3, LinearTail: 1, Kind: kind, Dropout: 0.5f, Seed: 3);
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 2, seed: 9), 2, kind);
        var results = new (double Loss, float[] Gradient)[2];
        foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
        {
            using var trainer = new InProcessTrainer(on, config, plans, new ExchangeSettings(), learningRate: 0.01f);
            var scores = trainer.Step(0, applyUpdate: false);
            results[slot] = (scores.Loss, trainer.LastGradient.ToArray());
        }

        var scale = results[0].Gradient.Max(g => Math.Abs((double)g));
        output.WriteLine($"  gcn training step {label}: loss {results[0].Loss:R} on the cpu, {results[1].Loss:R} on {device.Name}; {results[0].Gradient.Length} weights, largest gradient {scale:G4}");
        table.Add($"gcn training step {label}: loss", Pair, Comparison.Of([(float)results[1].Loss], [(float)results[0].Loss], atol: 0, rtol: 1e-5), "rel 1e-5");
        table.Add($"gcn training step {label}: weight gradients", Pair, Comparison.Of(results[1].Gradient, results[0].Gradient, atol: 1e-3 * scale, rtol: 1e-3), "1e-3 max|g| + 1e-3 |g|");
    }

    /// <summary>A value in ±[2^-8, 2^8): many binades, so a sum taken in another order rounds to other bits.</summary>
    private static float Value(Random random) => (float)((random.NextDouble() + 0.5) * (random.Next(2) == 0 ? -1 : 1) * Math.Pow(2, random.Next(-8, 8)));

    private static float[] Values(Random random, long count)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Value(random);
        }

        return values;
    }

    /// <summary>
    /// gcn_gather_rows and gcn_scatter_add_rows on every part of <paramref name="plans"/>, one launch per peer as
    /// PartitionModel makes them: each peer's boundary rows of x (n, w) into the send block (s, w), then received gradients
    /// (s, w) added onto dx (n, w). A copy and one add per element, so bitwise.
    /// </summary>
    private void RowCopies(CpuDevice cpu, PartitionPlan[] plans, int width, string label)
    {
        List<float> gatheredCpu = [], gatheredDevice = [], addedCpu = [], addedDevice = [];
        foreach (var plan in plans)
        {
            var random = new Random((plan.Part * 1000) + width + 1);
            int n = plan.InnerCount, s = plan.SendCount;
            var x = Values(random, (long)n * width);
            var dx = Values(random, (long)n * width);
            var received = Values(random, (long)s * width);
            int[] sendRows = [.. plan.SendToPeer.SelectMany(rows => rows)];
            foreach (var on in new IComputeDevice[] { cpu, device })
            {
                using var xBuffer = Upload(on, x);
                using var dxBuffer = Upload(on, dx);
                using var rows = Upload(on, sendRows);
                using var block = on.Allocate<float>(Math.Max(1L, (long)s * width));
                using var receivedBuffer = Upload(on, received);
                for (var q = 0; q < plan.PartCount; q++)
                {
                    GcnRowKernels.LaunchGatherRows(on, xBuffer, rows, block, plan.SendOffset[q], plan.SendToPeer[q].Length, width);
                    GcnRowKernels.LaunchScatterAddRows(on, dxBuffer, rows, receivedBuffer, plan.SendOffset[q], plan.SendToPeer[q].Length, width);
                }

                on.Synchronize();
                (on == cpu ? gatheredCpu : gatheredDevice).AddRange(Download(block, (long)s * width));
                (on == cpu ? addedCpu : addedDevice).AddRange(Download(dxBuffer, (long)n * width));
            }
        }

        table.Add($"gcn_gather_rows {label}", Pair, Comparison.Bitwise(gatheredDevice.ToArray(), gatheredCpu.ToArray()), "bitwise");
        table.Add($"gcn_scatter_add_rows {label}", Pair, Comparison.Bitwise(addedDevice.ToArray(), addedCpu.ToArray()), "bitwise");
    }

    /// <summary>
    /// gcn_aggregate and gcn_aggregate_transpose on every part of <paramref name="plans"/>: agg (n, w) from x (n, w)
    /// and halo (h, w); dx (n, w) and dhalo (h, w), started from nonzero values as the SAGE layer's self term leaves
    /// dx, plus the transpose of dagg (n, w). The parts' outputs are compared together, one row per kernel.
    /// </summary>
    private void Aggregation(CpuDevice cpu, PartitionPlan[] plans, int width, string label)
    {
        List<float> aggregateCpu = [], aggregateDevice = [], transposeCpu = [], transposeDevice = [];
        long edges = 0;
        foreach (var plan in plans)
        {
            var random = new Random((plan.Part * 1000) + width);
            int n = plan.InnerCount, h = plan.HaloCount;
            var x = Values(random, (long)n * width);
            var halo = Values(random, (long)h * width);
            var dagg = Values(random, (long)n * width);
            var dx = Values(random, (long)n * width);
            var dhalo = Values(random, (long)h * width);
            var transposed = TransposedAdjacency.Build(plan);
            edges += plan.EdgeCount;
            foreach (var on in new IComputeDevice[] { cpu, device })
            {
                using var rowStart = Upload(on, plan.RowStart);
                using var columns = Upload(on, plan.Columns);
                using var coefficients = Upload(on, plan.Coefficients);
                using var columnStart = Upload(on, transposed.ColumnStart);
                using var rows = Upload(on, transposed.Rows);
                using var transposedCoefficients = Upload(on, transposed.Coefficients);
                using var xBuffer = Upload(on, x);
                using var haloBuffer = Upload(on, halo);
                using var aggBuffer = on.Allocate<float>(Math.Max(1L, (long)n * width));
                using var daggBuffer = Upload(on, dagg);
                using var dxBuffer = Upload(on, dx);
                using var dhaloBuffer = Upload(on, dhalo);
                GcnKernels.LaunchAggregate(on, rowStart, columns, coefficients, xBuffer, haloBuffer, aggBuffer, n, h, width);
                GcnKernels.LaunchAggregateTranspose(on, columnStart, rows, transposedCoefficients, daggBuffer, dxBuffer, dhaloBuffer, n, h, width);
                on.Synchronize();
                (on == cpu ? aggregateCpu : aggregateDevice).AddRange(Download(aggBuffer, (long)n * width));
                var transpose = on == cpu ? transposeCpu : transposeDevice;
                transpose.AddRange(Download(dxBuffer, (long)n * width));
                transpose.AddRange(Download(dhaloBuffer, (long)h * width));
            }
        }

        output.WriteLine($"  gcn_aggregate {label}: {edges} adjacency entries, halos {string.Join(", ", plans.Select(p => p.HaloCount))}");
        table.Add($"gcn_aggregate {label}", Pair, Comparison.Bitwise(aggregateDevice.ToArray(), aggregateCpu.ToArray()), "bitwise");
        table.Add($"gcn_aggregate_transpose {label}: [dx; dhalo]", Pair, Comparison.Bitwise(transposeDevice.ToArray(), transposeCpu.ToArray()), "bitwise");
    }

    /// <summary>Every gcn_dense.cu kernel on (<paramref name="n"/>, <paramref name="width"/>) rows.</summary>
    private void Dense(CpuDevice cpu, int n, int width)
    {
        var shape = $"{n}x{width}";
        var count = (long)n * width;
        var random = new Random(n + width);
        var z = Values(random, count);
        var gamma = Values(random, width);
        var beta = Values(random, width);

        // The backward reads the forward's outputs: the CPU's, handed to both devices, so its row tests the backward alone.
        var forward = new (float[] Xhat, float[] Y, float[] InverseStd)[2];
        Guard($"gcn_layer_norm_relu {shape}", () =>
        {
            var results = new float[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var zBuffer = Upload(on, z);
                using var gammaBuffer = Upload(on, gamma);
                using var betaBuffer = Upload(on, beta);
                using var xhat = on.Allocate<float>(count);
                using var y = on.Allocate<float>(count);
                using var inverseStd = on.Allocate<float>(n);
                GcnDenseKernels.LaunchLayerNormRelu(on, zBuffer, gammaBuffer, betaBuffer, xhat, y, inverseStd, n, width, Epsilon);
                on.Synchronize();
                forward[slot] = (Download(xhat, count), Download(y, count), Download(inverseStd, n));
                results[slot] = [.. forward[slot].Xhat, .. forward[slot].Y, .. forward[slot].InverseStd];
            }

            table.Add($"gcn_layer_norm_relu {shape}: xhat, y, rstd", Pair, Comparison.Bitwise(results[1], results[0]), "bitwise");
        });

        var dy = Values(random, count);
        var dgammaStart = Values(random, width);
        var dbetaStart = Values(random, width);
        Guard($"gcn_layer_norm_relu_backward {shape}", () =>
        {
            var (xhat, y, inverseStd) = forward[0];
            var dz = new float[2][];
            var parameters = new float[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var dyBuffer = Upload(on, dy);
                using var yBuffer = Upload(on, y);
                using var xhatBuffer = Upload(on, xhat);
                using var gammaBuffer = Upload(on, gamma);
                using var inverseStdBuffer = Upload(on, inverseStd);
                using var dzBuffer = on.Allocate<float>(count);
                using var dgamma = Upload(on, dgammaStart);
                using var dbeta = Upload(on, dbetaStart);
                GcnDenseKernels.LaunchLayerNormReluBackward(on, dyBuffer, yBuffer, xhatBuffer, gammaBuffer, inverseStdBuffer, dzBuffer, dgamma, dbeta, n, width);
                on.Synchronize();
                dz[slot] = Download(dzBuffer, count);
                parameters[slot] = [.. Download(dgamma, width), .. Download(dbeta, width)];
            }

            table.Add($"gcn_layer_norm_relu_backward {shape}: dz", Pair, Comparison.Bitwise(dz[1], dz[0]), "bitwise");
            table.Add($"gcn_layer_norm_relu_parameter_gradient {shape}: dgamma, dbeta", Pair, Comparison.Bitwise(parameters[1], parameters[0]), "bitwise");
        });

        // Row i is global node 7i + 3, so the Philox counters are not simply the row numbers; rate 0.3 as a model might use.
        var x = Values(random, count);
        var inner = Enumerable.Range(0, n).Select(i => (7 * i) + 3).ToArray();
        var scales = new float[2][];
        Guard($"gcn_dropout {shape}", () =>
        {
            var results = new float[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var xBuffer = Upload(on, x);
                using var scale = on.Allocate<float>(count);
                using var innerBuffer = Upload(on, inner);
                GcnDenseKernels.LaunchDropout(on, xBuffer, scale, innerBuffer, n, width, seed: 0x5EED_0000_0000_0042, stream: 9, rate: 0.3f);
                on.Synchronize();
                scales[slot] = Download(scale, count);
                results[slot] = [.. Download(xBuffer, count), .. scales[slot]];
            }

            table.Add($"gcn_dropout {shape}: x, scale", Pair, Comparison.Bitwise(results[1], results[0]), "bitwise");
        });

        var dx = Values(random, count);
        Guard($"gcn_dropout_backward {shape}", () =>
        {
            // The CPU's scale when the dropout ran, else a seeded one of 0s and 1/(1 - 0.3)s.
            var scale = scales[0] ?? [.. Values(random, count).Select(v => v < 0 ? 0f : 1f / 0.7f)];
            var results = new float[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var dxBuffer = Upload(on, dx);
                using var scaleBuffer = Upload(on, scale);
                GcnDenseKernels.LaunchDropoutBackward(on, dxBuffer, scaleBuffer, (int)count);
                on.Synchronize();
                results[slot] = Download(dxBuffer, count);
            }

            table.Add($"gcn_dropout_backward {shape}: dx", Pair, Comparison.Bitwise(results[1], results[0]), "bitwise");
        });

        var bias = Values(random, width);
        var target = Values(random, count);
        foreach (var accumulate in new[] { false, true })
        {
            var name = accumulate ? "gcn_add_broadcast_rows" : "gcn_broadcast_rows";
            Guard($"{name} {shape}", () =>
            {
                var results = new float[2][];
                foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
                {
                    using var outBuffer = Upload(on, target);
                    using var row = Upload(on, bias);
                    GcnDenseKernels.LaunchBroadcastRows(on, outBuffer, row, n, width, accumulate);
                    on.Synchronize();
                    results[slot] = Download(outBuffer, count);
                }

                table.Add($"{name} {shape}: out", Pair, Comparison.Bitwise(results[1], results[0]), "bitwise");
            });
        }

        var sumsStart = Values(random, width);
        Guard($"gcn_column_sums {shape}", () =>
        {
            var results = new float[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var source = Upload(on, target);
                using var sums = Upload(on, sumsStart);
                GcnDenseKernels.LaunchColumnSums(on, source, sums, n, width);
                on.Synchronize();
                results[slot] = Download(sums, width);
            }

            table.Add($"gcn_column_sums {shape}: sums", Pair, Comparison.Bitwise(results[1], results[0]), "bitwise");
        });
    }

    /// <summary>
    /// gcn_softmax_cross_entropy or gcn_sigmoid_bce on (<paramref name="n"/>, <paramref name="classes"/>) logits, rows in
    /// the train, validation and test splits and in none. Not bitwise: the kernel calls CUDA's double exp and log (at
    /// most 1 ulp from the true value, CUDA C Programming Guide, Mathematical Functions) where the twin calls libm's, so
    /// a result may differ in its last bits. The bounds: the row's correct counts compare no exp or log (argmaxes and
    /// sign tests) and must be equal. dz = (float)(d) · scale with d ∈ [−1, 1] a double whose exp/log error is below
    /// 2^-44 absolute (log_sum ≤ 2^9 carries an ulp of 2^-44 into exp's argument; exp's own error is 2^-52 relative on a
    /// value ≤ 1); narrowing it to float may then round the other way (1 float ulp) and the product rounds once more, so
    /// |Δ| ≤ 2^-40 · scale + 2^-21 |dz| (4 float ulps) is already generous. The loss is a sum of non-negative terms (no
    /// cancellation) added in the same order on both sides, each off by far less than 2^-30 relative: compared as
    /// float within 2^-21 relative.
    /// </summary>
    private void Loss(CpuDevice cpu, int n, int classes, bool multiLabel)
    {
        var kernel = multiLabel ? "gcn_sigmoid_bce" : "gcn_softmax_cross_entropy";
        var shape = $"{n}x{classes}";
        var count = (long)n * classes;
        var random = new Random(n + classes + (multiLabel ? 1 : 0));
        var z = Values(random, count);
        var targets = new float[count];
        var split = new byte[n];
        for (var i = 0; i < n; i++)
        {
            // Train, validation, test and none (3), with about half the rows in train as in the datasets' splits.
            split[i] = (byte)(i % 8 < 4 ? 0 : i % 8 - 3);
            for (var j = 0; j < classes; j++)
            {
                targets[(i * classes) + j] = multiLabel ? random.Next(2) : 0f;
            }

            if (!multiLabel)
            {
                targets[(i * classes) + random.Next(classes)] = 1f;
            }
        }

        var trainRows = split.Count(s => s == 0);
        var scale = (float)(1.0 / ((double)trainRows * (multiLabel ? classes : 1)));
        Guard($"{kernel} {shape}", () =>
        {
            var dz = new float[2][];
            var loss = new float[2];
            var correct = new uint[2][];
            foreach (var (on, slot) in new[] { ((IComputeDevice)cpu, 0), (device, 1) })
            {
                using var zBuffer = Upload(on, z);
                using var targetBuffer = Upload(on, targets);
                using var splitBuffer = Upload(on, split);
                using var dzBuffer = on.Allocate<float>(count);
                using var terms = on.Allocate<double>(count);
                using var correctRows = on.Allocate<int>(n);
                GcnLossKernels.LaunchLoss(on, zBuffer, targetBuffer, splitBuffer, dzBuffer, terms, correctRows, n, classes, multiLabel, scale);
                on.Synchronize();
                dz[slot] = Download(dzBuffer, count);
                var rows = Download(correctRows, n);
                correct[slot] = [.. rows.Select(c => (uint)c)];
                loss[slot] = (float)GcnLossKernels.SumLoss(Download(terms, count), rows, split, classes, multiLabel, new long[3], new long[3]);
            }

            const double Rtol = 1.0 / (1 << 21);
            table.Add($"{kernel} {shape}: dz", Pair, Comparison.Of(dz[1], dz[0], atol: scale * Math.Pow(2, -40), rtol: Rtol), "atol 2^-40 scale, rtol 2^-21");
            table.Add($"{kernel} {shape}: loss", Pair, Comparison.Of([loss[1]], [loss[0]], atol: 0, rtol: Rtol), "rtol 2^-21");
            table.Add($"{kernel} {shape}: correct per row", Pair, Comparison.Exact(correct[1], correct[0]), "exact");
        });
    }

    private void Guard(string check, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e)
        {
            // CUDA errors carry the call and the error name, compile errors NVRTC's log: print them whole.
            output.WriteLine($"  {check}: {e}");
            table.Add(check, device.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
