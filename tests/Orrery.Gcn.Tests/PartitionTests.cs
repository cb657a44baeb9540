using Orrery.Compute.Cpu;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Tests;

public sealed class PartitionTests
{
    private static readonly GcnModelConfig Model = new(8, Hidden: 16, Classes: 4, Layers: 3, LinearTail: 1, Kind: GcnLayerKind.Sage, Dropout: 0.5f, Seed: 7);

    /// <summary>
    /// Vanilla training on P parts gives the loss, gradient and weights of one part after every iteration. The
    /// aggregation sums each node's neighbours in global-id order on every partitioning, so forward activations agree
    /// bit for bit where GEMM does; what differs is the order of sums over nodes (weight gradients summed per part,
    /// boundary gradients added by their owners), float32 reorderings of ~240 terms: relative error ~ 240 · 6e-8 ≈
    /// 1.5e-5 on a gradient. Loss 1e-5 relative, gradients 1e-4 · max|g|, weights 1e-5 absolute after 5 Adam steps
    /// of lr 0.01 (an Adam step is at most lr per weight; a 1e-3 relative change in its direction moves it 1e-5).
    /// A halo row taken from the wrong node, a missing boundary gradient or a dropout mask keyed by local index
    /// breaks all three by orders of magnitude more.
    /// </summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    public void VanillaPartitionsEqualOnePart(int parts, bool metis)
    {
        var graph = TestGraphs.SmallCsbm();
        if (metis)
        {
            Assert.True(MetisPartitioner.IsAvailable(out var reason), reason);
        }

        var assignment = metis ? MetisPartitioner.Partition(graph, parts, seed: 1) : RandomPartitioner.Partition(graph.NodeCount, parts, seed: 1);
        using var device = new CpuDevice();
        using var single = new InProcessTrainer(device, Model, PartitionPlan.Build(graph, new int[graph.NodeCount], 1, Model.Kind), new ExchangeSettings(), 0.01f, weightDecay: 5e-4f);
        var plans = PartitionPlan.Build(graph, assignment, parts, Model.Kind);
        Assert.True(PartitionReport.RowsExchangedPerLayer(plans) > 0, "the partitioning cuts no edge; the test would check nothing");
        using var split = new InProcessTrainer(device, Model, plans, new ExchangeSettings(), 0.01f, weightDecay: 5e-4f);
        for (var t = 0; t < 5; t++)
        {
            var a = single.Step(t);
            var b = split.Step(t);
            Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-5 * Math.Abs(a.Loss), $"iteration {t}: loss {a.Loss:G9} on one part, {b.Loss:G9} on {parts}");
            var ga = single.LastGradient.ToArray();
            var gb = split.LastGradient.ToArray();
            var scale = ga.Max(Math.Abs);
            for (var i = 0; i < ga.Length; i++)
            {
                Assert.True(Math.Abs(ga[i] - gb[i]) <= 1e-4f * scale, $"iteration {t}: gradient {i} is {ga[i]:G9} on one part, {gb[i]:G9} on {parts}");
            }
        }

        var wa = single.Parameters.Flatten();
        var wb = split.Parameters.Flatten();
        for (var i = 0; i < wa.Length; i++)
        {
            Assert.True(Math.Abs(wa[i] - wb[i]) <= 1e-5f, $"weight {i} is {wa[i]:G9} on one part, {wb[i]:G9} on {parts}");
        }

        Assert.Equal(single.Evaluate().Correct, split.Evaluate().Correct);
    }

    /// <summary>
    /// Pipelined: after iteration t, the halo rows each part will read in iteration t + 1 are exactly the rows its
    /// peers sent during iteration t (not t − 1, not t + 1), the first iteration read zeros, and the boundary
    /// gradients likewise; layer 0's rows too when they are exchanged (<c>exchange.input_rows: exchanged</c>).
    /// </summary>
    [Fact]
    public void PipelinedReadsExactlyLastIterationsRows()
    {
        var graph = TestGraphs.SmallCsbm();
        using var device = new CpuDevice();
        var config = Model with { ExchangeInputRows = true };
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, 2), 3, Model.Kind, haloFeatures: false);
        using var trainer = new InProcessTrainer(device, config, plans, new ExchangeSettings(ExchangeMode.Pipelined), 0.01f);
        Assert.All(trainer.Parts, p => Assert.All(p.CurrentHaloFeatures(1), v => Assert.Equal(0f, v)));
        float[]? previous = null;
        for (var t = 0; t < 3; t++)
        {
            trainer.Step(t);
            for (var l = 0; l < 2; l++)
            {
                foreach (var receiver in trainer.Parts)
                {
                    foreach (var sender in trainer.Parts.Where(s => s != receiver))
                    {
                        // The sender's x_l still holds iteration t's rows, so this is what it sent during t.
                        var sent = sender.BoundaryFeatures(l, receiver.Plan.Part);
                        var (start, count) = receiver.Plan.HaloByPeer[sender.Plan.Part];
                        var width = Model.InputWidth(l);
                        Assert.Equal(sent, receiver.CurrentHaloFeatures(l).AsSpan(start * width, count * width).ToArray());
                        if (l == 0)
                        {
                            // Layer 0's input is the raw features: no gradient of it is formed or sent.
                            Assert.Throws<InvalidOperationException>(() => receiver.HaloGradients(0, sender.Plan.Part));
                            continue;
                        }

                        var gradients = receiver.HaloGradients(l, sender.Plan.Part);
                        var offset = sender.Plan.SendOffset[receiver.Plan.Part];
                        Assert.Equal(gradients, sender.CurrentBoundaryGradients(l).AsSpan(offset * width, gradients.Length).ToArray());
                    }
                }
            }

            var current = trainer.Parts[0].CurrentHaloFeatures(1).ToArray();
            Assert.NotEqual(previous, current);
            previous = current;
        }
    }

    /// <summary>
    /// Layer 0's halo rows formed locally (the default, <c>exchange.input_rows: local</c>) are bitwise the rows their
    /// owners would send in the same iteration (the owner's x_0 after its dropout), in training and evaluation
    /// passes, with nothing received at layer 0; later layers are still received. In pipelined mode they are the
    /// current iteration's rows, not the last one's.
    /// </summary>
    [Fact]
    public void LocalInputRowsAreWhatTheirOwnersWouldSend()
    {
        var graph = TestGraphs.SmallCsbm();
        using var device = new CpuDevice();
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, 2), 3, Model.Kind);
        using var trainer = new InProcessTrainer(device, Model, plans, new ExchangeSettings(ExchangeMode.Pipelined), 0.01f);
        Assert.All(trainer.Parts, p => Assert.Empty(p.CurrentHaloFeatures(0)));
        Assert.All(trainer.Parts, p => Assert.NotEmpty(p.CurrentHaloFeatures(1)));
        float[]? previous = null;
        for (var t = 0; t < 3; t++)
        {
            foreach (var training in (bool[])[false, true])
            {
                foreach (var part in trainer.Parts)
                {
                    part.BeginForward(t, training);
                }

                foreach (var receiver in trainer.Parts)
                {
                    foreach (var sender in trainer.Parts.Where(s => s != receiver))
                    {
                        var (start, count) = receiver.Plan.HaloByPeer[sender.Plan.Part];
                        var width = Model.InputFeatures;
                        Assert.Equal(sender.BoundaryFeatures(0, receiver.Plan.Part), receiver.CurrentInputHalo.AsSpan(start * width, count * width).ToArray());
                    }
                }
            }

            var dropped = trainer.Parts[0].CurrentInputHalo.ToArray();
            Assert.NotEqual(previous, dropped);
            previous = dropped;
            trainer.Step(t);
        }
    }

    /// <summary>
    /// In vanilla mode forming layer 0's halo rows locally changes nothing but the traffic: the same losses after every
    /// iteration, the same weights and the same evaluation, bit for bit, as exchanging them, on 3 parts with dropout.
    /// </summary>
    [Theory]
    [InlineData(GcnLayerKind.Sage)]
    [InlineData(GcnLayerKind.Gcn)]
    public void LocalInputRowsTrainAsExchangedOnes(GcnLayerKind kind)
    {
        var graph = TestGraphs.SmallCsbm();
        var config = Model with { Kind = kind };
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, seed: 2), 3, kind);
        using var device = new CpuDevice();
        using var exchanged = new InProcessTrainer(device, config with { ExchangeInputRows = true }, plans, new ExchangeSettings(), 0.01f);
        using var local = new InProcessTrainer(device, config, plans, new ExchangeSettings(), 0.01f);
        Assert.All(exchanged.Parts, p => Assert.NotEmpty(p.CurrentHaloFeatures(0)));
        for (var t = 0; t < 5; t++)
        {
            Assert.Equal(exchanged.Step(t).Loss, local.Step(t).Loss);
        }

        Assert.Equal(exchanged.Parameters.Flatten(), local.Parameters.Flatten());
        Assert.Equal(exchanged.Evaluate().Correct, local.Evaluate().Correct);
    }

    /// <summary>
    /// Layer 0's precomputed aggregation is exact, not an approximation: without dropout (the only place the two
    /// differ is where dropout falls) training with it gives bit for bit the losses and weights of aggregating the
    /// exchanged halo rows in every epoch, on 3 parts, in both layer kinds; and layer 0 then holds no halo at all.
    /// </summary>
    [Theory]
    [InlineData(GcnLayerKind.Sage)]
    [InlineData(GcnLayerKind.Gcn)]
    public void PrecomputedFirstLayerIsExact(GcnLayerKind kind)
    {
        var graph = TestGraphs.SmallCsbm();
        var config = Model with { Kind = kind, Dropout = 0f };
        var assignment = RandomPartitioner.Partition(graph.NodeCount, 3, seed: 2);
        using var device = new CpuDevice();
        using var everyEpoch = new InProcessTrainer(device, config with { ExchangeInputRows = true }, PartitionPlan.Build(graph, assignment, 3, kind), new ExchangeSettings(), 0.01f);
        using var precomputed = new InProcessTrainer(
            device, config with { PrecomputeFirstLayer = true }, PartitionPlan.Build(graph, assignment, 3, kind, haloFeatures: true), new ExchangeSettings(), 0.01f);
        Assert.All(precomputed.Parts, p => Assert.Empty(p.CurrentHaloFeatures(0)));
        Assert.All(everyEpoch.Parts, p => Assert.NotEmpty(p.CurrentHaloFeatures(0)));
        for (var t = 0; t < 5; t++)
        {
            Assert.Equal(everyEpoch.Step(t).Loss, precomputed.Step(t).Loss);
        }

        Assert.Equal(everyEpoch.Parameters.Flatten(), precomputed.Parameters.Flatten());
        Assert.Equal(everyEpoch.Evaluate().Correct, precomputed.Evaluate().Correct);
    }

    /// <summary>
    /// With dropout on, a precomputed first layer is its own model (dropout falls on the aggregate, not on the
    /// features before it): P parts still train as one part, within the tolerances of
    /// <see cref="VanillaPartitionsEqualOnePart"/> (the same reorderings of float sums, nothing more).
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void PrecomputedFirstLayerPartitionsEqualOnePart(int parts)
    {
        var graph = TestGraphs.SmallCsbm();
        var config = Model with { PrecomputeFirstLayer = true };
        using var device = new CpuDevice();
        using var single = new InProcessTrainer(device, config, PartitionPlan.Build(graph, new int[graph.NodeCount], 1, config.Kind, haloFeatures: true), new ExchangeSettings(), 0.01f);
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, parts, seed: 1), parts, config.Kind, haloFeatures: true);
        using var split = new InProcessTrainer(device, config, plans, new ExchangeSettings(), 0.01f);
        for (var t = 0; t < 5; t++)
        {
            var a = single.Step(t);
            var b = split.Step(t);
            Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-5 * Math.Abs(a.Loss), $"iteration {t}: loss {a.Loss:G9} on one part, {b.Loss:G9} on {parts}");
        }

        var wa = single.Parameters.Flatten();
        var wb = split.Parameters.Flatten();
        for (var i = 0; i < wa.Length; i++)
        {
            Assert.True(Math.Abs(wa[i] - wb[i]) <= 1e-5f, $"weight {i} is {wa[i]:G9} on one part, {wb[i]:G9} on {parts}");
        }
    }

    /// <summary>
    /// A model whose layer 0 is precomputed or forms its halo rows itself, given plans built without the halo's raw
    /// features, is refused with a message naming what needs them; one that exchanges layer 0's rows trains without them.
    /// </summary>
    [Fact]
    public void FirstLayerWithoutExchangeNeedsThePlansHaloFeatures()
    {
        var graph = TestGraphs.SmallCsbm();
        using var device = new CpuDevice();
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 2, seed: 1), 2, Model.Kind, haloFeatures: false);
        var error = Assert.Throws<ArgumentException>(() => new InProcessTrainer(device, Model with { PrecomputeFirstLayer = true }, plans, new ExchangeSettings(), 0.01f));
        Assert.Contains("haloFeatures", error.Message, StringComparison.Ordinal);
        Assert.Contains("precomputed", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => new InProcessTrainer(device, Model, plans, new ExchangeSettings(), 0.01f));
        Assert.Contains("input_rows: local", error.Message, StringComparison.Ordinal);
        using var exchanged = new InProcessTrainer(device, Model with { ExchangeInputRows = true }, plans, new ExchangeSettings(), 0.01f);
        Assert.True(double.IsFinite(exchanged.Step(0).Loss));
    }

    /// <summary>
    /// A run's shared build keeps every part's plan without the halo's features (each silo holds them all); the plan a
    /// part trains on gathers its own halo's, the same values a plan built with them holds, and shares the rest.
    /// </summary>
    [Fact]
    public void ARunsPlansHoldNoHaloFeatures_APartGathersItsOwn()
    {
        var request = GrainTrainingTests.Request("pipelined", 0);
        var setup = GcnRunSetup.Build(request);
        Assert.True(setup.Model.NeedsHaloFeatures);
        var built = PartitionPlan.Build(setup.Graph, RandomPartitioner.Partition(setup.Graph.NodeCount, request.Parts, request.Seed), request.Parts, setup.Model.Kind);
        for (var p = 0; p < request.Parts; p++)
        {
            Assert.Empty(setup.Plans[p].HaloFeatures);
            var plan = setup.PlanFor(p);
            Assert.Equal(built[p].HaloFeatures, plan.HaloFeatures);
            Assert.Same(setup.Plans[p].Halo, plan.Halo);
            Assert.Same(plan, plan.WithHaloFeatures(setup.Graph));
        }

        request.ExchangeInputRows = true;
        var exchanged = GcnRunSetup.Build(request);
        Assert.Same(exchanged.Plans[0], exchanged.PlanFor(0));
    }

    /// <summary>The moving average of smoothed mode, on one slot: exact float arithmetic of the stated formula.</summary>
    [Fact]
    public void SmoothedSlotAverages()
    {
        var slot = new HaloSlot(1, 2);
        slot.Pending[0] = 4f;
        slot.Pending[1] = -2f;
        slot.Commit(smooth: true, gamma: 0.95f);
        Assert.Equal([4f, -2f], slot.Current);
        slot.Pending[0] = 0f;
        slot.Pending[1] = 2f;
        slot.Commit(smooth: true, gamma: 0.95f);
        Assert.Equal([(0.95f * 4f) + (0.05f * 0f), (0.95f * -2f) + (0.05f * 2f)], slot.Current);
    }

    /// <summary>
    /// METIS minimising communication volume cuts fewer boundary rows than a random partitioning on a planted
    /// 4-class graph (random cuts ~3/4 of the edges; METIS finds the blocks), and every part gets nodes.
    /// </summary>
    [Fact]
    public void MetisCutsLessThanRandom()
    {
        Assert.True(MetisPartitioner.IsAvailable(out var reason), reason);
        var graph = TestGraphs.SmallCsbm(nodes: 2000);
        var metis = PartitionPlan.Build(graph, MetisPartitioner.Partition(graph, 4, 1), 4, GcnLayerKind.Sage);
        var random = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 4, 1), 4, GcnLayerKind.Sage);
        Assert.All(metis, p => Assert.True(p.InnerCount > 0));
        var metisVolume = PartitionReport.RowsExchangedPerLayer(metis);
        var randomVolume = PartitionReport.RowsExchangedPerLayer(random);
        Assert.True(metisVolume * 2 < randomVolume, $"METIS exchanges {metisVolume} rows per layer, random {randomVolume}");
        var report = PartitionReport.ToCsv(metis);
        Assert.StartsWith("part,inner_nodes,halo_nodes,edges,rows_sent_per_layer,rows_received_per_layer\n0,", report);
        Assert.Contains($"total,{graph.NodeCount},{metisVolume},", report);
    }
}
