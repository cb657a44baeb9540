using System.Diagnostics;
using Orrery.Compute;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.GpuCheck;

/// <summary>
/// The metric-graph sampler on the GPU (<see cref="CudaMetricGraphSampler"/>, kernels/metric_graph.cu) against
/// the CPU sampler on the same particles and Philox streams. The kernel does the CPU's float operations in
/// the same order with the same rounding (no FMA contraction, our own log and sin/cos), so the expected
/// result is bitwise equality of every particle's state and every count; the tests on the build machine
/// check the same source compiled by g++. The statistical rows (chi-square on occupation, KS on exit
/// times) say whether a bitwise failure is a last-bit drift (they still pass) or a wrong scheme (they fail).
/// </summary>
internal sealed class MetricGraphChecks(IComputeDevice gpu, CheckTable table, TextWriter output)
{
    /// <summary>Two-sided 1e-3 level for the statistical rows: chi-square z (Wilson–Hilferty) and the KS constant c(alpha) = sqrt(-ln(alpha / 2) / 2).</summary>
    private const double ChiSquareZLimit = 3.09;
    private const double KsConstant = 1.949;

    private string Pair => $"{gpu.Name} vs cpu";

    public void Run()
    {
        foreach (var scenario in Scenarios())
        {
            Guard($"metric_graph {scenario.Name}", () => Check(scenario));
        }
    }

    private static IEnumerable<Scenario> Scenarios()
    {
        // The spec's benchmark star: 5 edges of length 10, sigma 1, drift -c x (c = 10 .. 50), dt 1e-5, start at the centre;
        // 512 bins per edge (0.02 wide) resolve the first 0.02 time units of spreading (sigma sqrt(t) = 0.14).
        var star = MetricGraphGenerators.Star(Enumerable.Repeat(10.0, 5).ToArray(), null, 1, VertexKind.Junction,
            [EdgeDrift.Linear(-10), EdgeDrift.Linear(-20), EdgeDrift.Linear(-30), EdgeDrift.Linear(-40), EdgeDrift.Linear(-50)]);
        yield return new Scenario("star5", star, new SamplingOptions { Seed = 2024, TimeStep = 1e-5f, Steps = 2000, SampleEvery = 10, BinsPerEdge = 512 },
            InitialCondition.AtVertex(star.VertexIndex("c")), 1 << 20);

        // Vessel-like network with flow: 1,701 segments, absorbing outlets; its histogram (1,701 x 32 cells) is counted in global memory.
        var vessel = MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions { RootVelocity = 2 });
        yield return new Scenario("vessel", vessel, new SamplingOptions { Seed = 7, TimeStep = 2.5e-3f, Steps = 1000, SampleEvery = 10, BinsPerEdge = 32, WindowSteps = 250 },
            InitialCondition.UniformByLength(vessel), 1 << 18);

        // A cycle with every drift kind, an absorbing and a reflecting end; MaxSplits 3 so that steps are truncated. Ids cross 2^32.
        var mixed = TestGraphs.Mixed();
        yield return new Scenario("mixed", mixed, new SamplingOptions { Seed = 0x0123_4567_89AB_CDEF, TimeStep = 5e-3f, Steps = 2001, MaxSplits = 3, BinsPerEdge = 16, ExitTimeBins = 64 },
            InitialCondition.UniformByLength(mixed), 1 << 16, (1L << 32) - 1000);
    }

    private void Check(Scenario s)
    {
        var cpuSampler = new MetricGraphSampler(s.Graph, s.Options);
        var gpuSampler = ParticleSamplers.For(gpu, s.Graph, s.Options);
        var cpuState = cpuSampler.CreateEnsemble(s.FirstParticle, s.Particles, s.Initial);
        var gpuState = gpuSampler.CreateEnsemble(s.FirstParticle, s.Particles, s.Initial);
        var cpuClock = Stopwatch.StartNew();
        var cpu = cpuSampler.Advance(cpuState, s.Options.Steps);
        cpuClock.Stop();
        var gpuClock = Stopwatch.StartNew();
        var gpuResult = gpuSampler.Advance(gpuState, s.Options.Steps);
        gpuClock.Stop();
        output.WriteLine($"  metric_graph {s.Name}: {s.Particles} particles x {s.Options.Steps} steps, {cpu.ParticleSteps:E3} particle-steps; " +
            $"gpu {gpuClock.Elapsed.TotalSeconds:F3} s ({gpuResult.ParticleSteps / gpuClock.Elapsed.TotalSeconds:E3}/s, first launch includes the NVRTC compile), " +
            $"cpu {cpuClock.Elapsed.TotalSeconds:F3} s ({cpu.ParticleSteps / cpuClock.Elapsed.TotalSeconds:E3}/s)");

        // Per particle: exit vertex and tick, final edge, position bits.
        long sameExit = 0, sameEdge = 0, samePosition = 0, failures = 0;
        double maxPositionError = 0;
        var first = "";
        for (var i = 0; i < s.Particles; i++)
        {
            var exit = cpuState.ExitVertices[i] == gpuState.ExitVertices[i] && cpuState.ExitTicks[i] == gpuState.ExitTicks[i];
            var edge = cpuState.Edges[i] == gpuState.Edges[i];
            var position = BitConverter.SingleToInt32Bits(cpuState.Positions[i]) == BitConverter.SingleToInt32Bits(gpuState.Positions[i]);
            sameExit += exit ? 1 : 0;
            sameEdge += edge ? 1 : 0;
            samePosition += position ? 1 : 0;
            if (edge)
            {
                maxPositionError = Math.Max(maxPositionError, Math.Abs((double)cpuState.Positions[i] - gpuState.Positions[i]));
            }

            if (!(exit && edge && position) && failures++ == 0)
            {
                first = $"particle {s.FirstParticle + i}: gpu (edge {gpuState.Edges[i]}, x {gpuState.Positions[i]:R}, exit {gpuState.ExitVertices[i]} at tick {gpuState.ExitTicks[i]}), " +
                    $"cpu (edge {cpuState.Edges[i]}, x {cpuState.Positions[i]:R}, exit {cpuState.ExitVertices[i]} at tick {cpuState.ExitTicks[i]})";
            }
        }

        output.WriteLine($"    identical exit vertex and tick: {(double)sameExit / s.Particles:P4}; identical edge: {(double)sameEdge / s.Particles:P4}; " +
            $"identical position bits: {(double)samePosition / s.Particles:P4}; max |x_gpu - x_cpu| on the same edge: {maxPositionError:E3}");
        table.Add($"metric_graph {s.Name}: particle states", Pair, new Comparison(s.Particles, maxPositionError, failures, first), "bitwise");

        var counts = CompareCounts(cpu, gpuResult);
        table.Add($"metric_graph {s.Name}: integer counts", Pair, counts.Count == 0, counts.Count == 0 ? "" : $"differ: {string.Join("; ", counts)}");

        var (chiSquare, degrees) = ChiSquare(cpu.Occupation, gpuResult.Occupation);
        var z = WilsonHilferty(chiSquare, degrees);
        output.WriteLine($"    occupation chi-square {chiSquare:F2} on {degrees} degrees of freedom (z {z:F2})");
        table.Add($"metric_graph {s.Name}: occupation chi-square", Pair, new Comparison(degrees + 1, Math.Max(z, 0), z < ChiSquareZLimit ? 0 : 1, $"z = {z:F2}"), $"z < {ChiSquareZLimit} (p > 1e-3)");

        if (cpu.Exited > 0)
        {
            var d = KolmogorovSmirnov(cpu.ExitTimeHistogram, gpuResult.ExitTimeHistogram);
            var n = (double)cpu.Exited;
            var m = (double)Math.Max(1, gpuResult.Exited);
            var limit = KsConstant * Math.Sqrt((n + m) / (n * m));
            output.WriteLine($"    exit-time KS distance {d:E3} (limit {limit:E3}); exits cpu {cpu.Exited}, gpu {gpuResult.Exited}");
            table.Add($"metric_graph {s.Name}: exit-time KS", Pair, new Comparison(cpu.ExitTimeHistogram.Length, d, d <= limit ? 0 : 1, $"D = {d:E3}"), $"D <= {limit:E2} (alpha 1e-3)");
        }
    }

    private static List<string> CompareCounts(SamplingResult cpu, SamplingResult gpu)
    {
        var differ = new List<string>();
        void Scalar<T>(string name, T a, T b)
            where T : IEquatable<T>
        {
            if (!a.Equals(b))
            {
                differ.Add($"{name} gpu {b} cpu {a}");
            }
        }

        void Array(string name, ReadOnlySpan<long> a, ReadOnlySpan<long> b)
        {
            var cells = 0;
            for (var i = 0; i < a.Length; i++)
            {
                cells += a[i] == b[i] ? 0 : 1;
            }

            if (cells > 0)
            {
                differ.Add($"{name}: {cells} of {a.Length} cells");
            }
        }

        Scalar("particle-steps", cpu.ParticleSteps, gpu.ParticleSteps);
        Scalar("splits", cpu.Splits, gpu.Splits);
        Scalar("truncated", cpu.TruncatedSteps, gpu.TruncatedSteps);
        Scalar("exited", cpu.Exited, gpu.Exited);
        Scalar("exit tick sum", cpu.ExitTickSum, gpu.ExitTickSum);
        Scalar("exit tick square sum", cpu.ExitTickSquareSum, gpu.ExitTickSquareSum);
        Array("occupation", cpu.Occupation, gpu.Occupation);
        Array("exit counts", cpu.ExitCounts, gpu.ExitCounts);
        Array("exit-time histogram", cpu.ExitTimeHistogram, gpu.ExitTimeHistogram);
        return differ;
    }

    /// <summary>Two-sample chi-square homogeneity statistic over the cells either sample has, and its degrees of freedom.</summary>
    private static (double ChiSquare, int Degrees) ChiSquare(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        double totalA = 0, totalB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            totalA += a[i];
            totalB += b[i];
        }

        if (totalA == 0 || totalB == 0)
        {
            return (totalA == totalB ? 0 : double.PositiveInfinity, 0);
        }

        var k1 = Math.Sqrt(totalB / totalA);
        var k2 = Math.Sqrt(totalA / totalB);
        double chi = 0;
        var cells = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] + b[i] > 0)
            {
                var difference = (k1 * a[i]) - (k2 * b[i]);
                chi += difference * difference / (a[i] + b[i]);
                cells++;
            }
        }

        return (chi, Math.Max(cells - 1, 0));
    }

    /// <summary>The standard normal z of a chi-square value (Wilson–Hilferty's cube-root approximation, good to ~1e-3 in p for k &gt;= 10).</summary>
    private static double WilsonHilferty(double chiSquare, int degrees)
    {
        if (degrees == 0)
        {
            return chiSquare == 0 ? double.NegativeInfinity : double.PositiveInfinity;
        }

        var k = (double)degrees;
        return (Math.Cbrt(chiSquare / k) - (1 - (2 / (9 * k)))) / Math.Sqrt(2 / (9 * k));
    }

    /// <summary>The largest distance between the two empirical distribution functions of binned samples.</summary>
    private static double KolmogorovSmirnov(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        double totalA = 0, totalB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            totalA += a[i];
            totalB += b[i];
        }

        double cumulativeA = 0, cumulativeB = 0, d = 0;
        for (var i = 0; i < a.Length; i++)
        {
            cumulativeA += a[i];
            cumulativeB += b[i];
            d = Math.Max(d, Math.Abs((cumulativeA / Math.Max(totalA, 1)) - (cumulativeB / Math.Max(totalB, 1))));
        }

        return d;
    }

    private void Guard(string check, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e)
        {
            // Compile errors carry NVRTC's log, CUDA errors the call and the error name: print them whole.
            output.WriteLine($"  {check}: {e}");
            table.Add(check, gpu.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private sealed record Scenario(string Name, MetricGraph Graph, SamplingOptions Options, InitialCondition Initial, int Particles, long FirstParticle = 0);
}
