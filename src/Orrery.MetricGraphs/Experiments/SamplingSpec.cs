using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// A <c>kind: sampling</c> experiment spec, read and checked in full before anything runs: the graph
/// (a file or a generator, with overrides), the sampler settings, the initial condition, the observables,
/// the job's placement settings and an optional closed-form check. Every problem is an
/// <see cref="ExperimentSpecException"/> naming the file, line, column and field.
/// </summary>
public sealed partial class SamplingSpec
{
    /// <summary>The top-level fields a sampling spec may have.</summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "kind", "name", "graph", "particles", "dt", "steps", "end_time", "max_splits", "boundary", "seed", "initial", "observables",
        "device", "slice_steps", "checkpoint_every", "ensembles", "gpu_share", "check",
    ];

    private SamplingSpec(string name, string graphSource, MetricGraph graph, string graphJson, SamplingOptions options, InitialPlacement initial, long particles,
        DevicePreference device, long sliceSteps, int checkpointEvery, int ensembles, double gpuShare, SamplingCheck? check)
    {
        Name = name;
        GraphSource = graphSource;
        Graph = graph;
        GraphJson = graphJson;
        Options = options;
        Initial = initial;
        Particles = particles;
        Device = device;
        SliceSteps = sliceSteps;
        CheckpointEvery = checkpointEvery;
        Ensembles = ensembles;
        GpuShare = gpuShare;
        Check = check;
    }

    /// <summary>The experiment's name (the spec's <c>name</c>, else the spec file's name).</summary>
    public string Name { get; }

    /// <summary>The graph exactly as every ensemble sees it (parsed back from <see cref="GraphJson"/>).</summary>
    public MetricGraph Graph { get; }

    /// <summary>Where the graph came from: the file's path, or the generator's name.</summary>
    public string GraphSource { get; }

    /// <summary>The graph in Orrery's JSON format, as it travels to the ensembles.</summary>
    public string GraphJson { get; }

    /// <summary>The sampler settings.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Where particles start.</summary>
    public InitialPlacement Initial { get; }

    /// <summary>Number of particles.</summary>
    public long Particles { get; }

    /// <summary>Which devices the ensembles run on.</summary>
    public DevicePreference Device { get; }

    /// <summary>Steps per ensemble call.</summary>
    public long SliceSteps { get; }

    /// <summary>Slices between checkpoints.</summary>
    public int CheckpointEvery { get; }

    /// <summary>Ensembles to split into; 0 for one per device.</summary>
    public int Ensembles { get; }

    /// <summary>Particles of a GPU ensemble per particle of a CPU ensemble.</summary>
    public double GpuShare { get; }

    /// <summary>The closed form to check against, if the spec asks for one.</summary>
    public SamplingCheck? Check { get; }

    /// <summary>The job the coordinator runs.</summary>
    public SamplingJob ToJob() => new()
    {
        GraphJson = GraphJson,
        Settings = SamplingWire.ToSettings(Options),
        Initial = Initial,
        Particles = Particles,
        SliceSteps = SliceSteps,
        CheckpointEvery = CheckpointEvery,
        Device = Device,
        Ensembles = Ensembles,
        GpuShare = GpuShare,
    };

    /// <summary>Reads and checks a sampling spec (the root node, <c>kind</c> included).</summary>
    public static SamplingSpec Read(SpecNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.AllowOnly([.. Fields]);
        var name = root.Optional("name")?.AsString() ?? Path.GetFileNameWithoutExtension(root.File);
        var graphNode = root.Require("graph");
        var (graph, graphJson) = ReadGraphAsSampled(graphNode, name);
        var particles = root.Require("particles").AsLong(1, 1L << 40);
        var options = ReadOptions(root, graph);
        var initial = ReadInitial(root.Optional("initial"), root, graph);
        var device = root.Optional("device")?.AsChoice("any", "cpu", "gpu") switch
        {
            "cpu" => DevicePreference.Cpu,
            "gpu" => DevicePreference.Gpu,
            _ => DevicePreference.Any,
        };

        // Default slice: about 20 slices per run for progress and checkpoints, and at most ~2e8
        // particle-steps per call so that a slice stays far inside the call timeout.
        var steps = options.Steps;
        var sliceSteps = root.Optional("slice_steps")?.AsLong(1, steps)
            ?? Math.Clamp(Math.Min((steps + 19) / 20, 200_000_000 / particles), 1, steps);
        var checkpointEvery = root.Optional("checkpoint_every")?.AsInt(1, 1_000_000) ?? 1;
        var ensembles = root.Optional("ensembles")?.AsInt(1, 4096) ?? 0;
        var gpuShare = root.Optional("gpu_share")?.AsDouble(1e-6, 1e6) ?? SamplingJobPlan.DefaultGpuShare;
        var check = root.Optional("check") is { } checkNode ? SamplingCheck.Read(checkNode, graph, options, initial) : null;
        var source = graphNode.Optional("file") is { } file ? file.AsPath() : "generator: " + graphNode.Require("generator").AsString();
        return new SamplingSpec(name, source, graph, graphJson, options, initial, particles, device, sliceSteps, checkpointEvery, ensembles, gpuShare, check)
        {
            Warnings = ShapeWarnings(graph),
        };
    }

    /// <summary>
    /// Warnings about the graph's shape that do not stop the run: a graph of several connected components (particles
    /// never cross between them, so each keeps the mass it starts with, and no closed form of the checks applies).
    /// </summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>
    /// The graph as the ensembles will see it: the ensembles parse it from JSON, so the closed forms, the outputs and
    /// the merged counts all use that very graph.
    /// </summary>
    private static (MetricGraph Graph, string Json) ReadGraphAsSampled(SpecNode graphNode, string name)
    {
        var graphJson = MetricGraphJson.Write(ReadGraph(graphNode), name);
        try
        {
            return (MetricGraphJson.Parse(graphJson, name + ".json"), graphJson);
        }
        catch (MetricGraphFormatException e)
        {
            throw graphNode.Fail($"the graph does not survive its own JSON format: {e.Message}");
        }
    }

    /// <summary>The sampler settings: time step and horizon, seed, splits and the observables.</summary>
    private static SamplingOptions ReadOptions(SpecNode root, MetricGraph graph)
    {
        var dt = (float)root.Require("dt").AsDouble(1e-12, 1e6);
        var steps = ReadSteps(root, dt);
        var observables = root.Optional("observables");
        observables?.AllowOnly("bins_per_edge", "windows", "window_steps", "sample_every", "exit_time_bins", "exit_time_max");
        long exitTimeSteps = 0;
        if (observables?.Optional("exit_time_max") is { } exitMaxNode)
        {
            exitTimeSteps = Math.Max(1, (long)Math.Ceiling(exitMaxNode.AsDouble(1e-12) / dt - 1e-9));
        }

        var options = new SamplingOptions
        {
            Seed = (ulong)(root.Optional("seed")?.AsLong(0) ?? 0),
            TimeStep = dt,
            Steps = steps,
            MaxSplits = root.Optional("max_splits")?.AsInt(1, SamplingOptions.MaxSplitsLimit) ?? 100,
            Boundary = root.Optional("boundary")?.AsChoice("bridge", "step") == "step" ? BoundaryScheme.Step : BoundaryScheme.Bridge,
            BinsPerEdge = observables?.Optional("bins_per_edge")?.AsInt(1, 1 << 20) ?? 32,
            SampleEvery = observables?.Optional("sample_every")?.AsLong(1, steps) ?? 1,
            WindowSteps = ReadWindowSteps(observables, steps),
            ExitTimeBins = observables?.Optional("exit_time_bins")?.AsInt(1, 1 << 24) ?? 100,
            ExitTimeSteps = exitTimeSteps,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw (observables ?? root).Fail(e.Message);
        }

        CheckResultFits(root, observables, options, graph);
        return options;
    }

    /// <summary><c>steps</c>, or <c>end_time</c> / dt rounded up; exactly one of them.</summary>
    private static long ReadSteps(SpecNode root, float dt)
    {
        var stepsNode = root.Optional("steps");
        var endNode = root.Optional("end_time");
        if ((stepsNode is null) == (endNode is null))
        {
            throw root.Fail("give either 'steps' or 'end_time' (the time horizon; steps = end_time / dt, rounded up)");
        }

        if (stepsNode is not null)
        {
            return stepsNode.AsLong(1, 1L << 33);
        }

        var end = endNode!.AsDouble(1e-12);
        var steps = (long)Math.Ceiling(end / dt - 1e-9);
        return steps is >= 1 and <= 1L << 33 ? steps : throw endNode.Fail($"end_time {end} with dt {dt} gives {steps} steps; it must be between 1 and 2^33");
    }

    /// <summary><c>windows</c> (a count) or <c>window_steps</c>; 0 for one window over the whole run.</summary>
    private static long ReadWindowSteps(SpecNode? observables, long steps)
    {
        if (observables?.Optional("windows") is { } windowsNode)
        {
            if (observables.Optional("window_steps") is not null)
            {
                throw windowsNode.Fail("give either 'windows' or 'window_steps', not both");
            }

            var windows = windowsNode.AsLong(1, steps);
            return (steps + windows - 1) / windows;
        }

        return observables?.Optional("window_steps")?.AsLong(1, steps) ?? 0;
    }

    /// <summary>
    /// Refuses, before any work, observables whose merged counts could not travel back: every ensemble slice and the
    /// final result carry them in one Orleans message (<see cref="SamplingJobPlan.MaxResultBytes"/>), and the
    /// occupation histogram has its own cap (<see cref="SamplingJobPlan.MaxOccupationCells"/>). The error names the
    /// limit and the field that drives the size.
    /// </summary>
    private static void CheckResultFits(SpecNode root, SpecNode? observables, SamplingOptions options, MetricGraph graph)
    {
        var at = observables ?? root;
        var cells = (long)options.WindowCount * graph.EdgeCount * options.BinsPerEdge;
        if (cells > SamplingJobPlan.MaxOccupationCells)
        {
            var field = observables?.Optional("bins_per_edge") ?? observables?.Optional("windows") ?? observables?.Optional("window_steps") ?? at;
            throw field.Fail($"{options.WindowCount} windows x {graph.EdgeCount} edges x {options.BinsPerEdge} bins is {cells:N0} histogram cells; " +
                $"the limit is {SamplingJobPlan.MaxOccupationCells:N0} (SamplingJobPlan.MaxOccupationCells): fewer windows or bins_per_edge");
        }

        var bytes = SamplingJobPlan.ResultBytes(options, graph.VertexCount, graph.EdgeCount);
        if (bytes > SamplingJobPlan.MaxResultBytes)
        {
            var field = observables?.Optional("exit_time_bins") ?? observables?.Optional("bins_per_edge") ?? at;
            throw field.Fail($"the result's counts take {bytes:N0} bytes ({options.ExitTimeBins:N0} exit-time bins, {cells:N0} occupation cells, {graph.VertexCount:N0} vertices); " +
                $"they travel back in one message of at most {SamplingJobPlan.MaxResultBytes:N0} bytes (SamplingJobPlan.MaxResultBytes): fewer exit_time_bins, windows or bins_per_edge");
        }
    }

    /// <summary>The shape warnings of <see cref="Warnings"/>.</summary>
    private static List<string> ShapeWarnings(MetricGraph graph)
    {
        var components = MetricGraphShape.Components(graph);
        if (components.Count <= 1)
        {
            return [];
        }

        var sizes = string.Join(", ", components.Take(5).Select(c => c.Count)) + (components.Count > 5 ? ", ..." : "");
        return [$"the graph is disconnected: {components.Count} components (of {sizes} vertices); particles never cross between them, so each keeps the mass it starts with"];
    }

    /// <summary>
    /// <c>initial</c>: <c>sources</c> (the graph's source vertices), <c>uniform</c> (uniform by length), or
    /// <c>{vertex: id}</c>, or <c>{edge: id, x: position}</c>. Default: the sources, when the graph has any.
    /// </summary>
    private static InitialPlacement ReadInitial(SpecNode? node, SpecNode root, MetricGraph graph)
    {
        InitialPlacement placement;
        if (node is null)
        {
            if (graph.SourceVertices.Count == 0)
            {
                throw root.Fail("the field 'initial' is missing and the graph has no source vertex; give 'initial: uniform', '{vertex: id}' or '{edge: id, x: position}'");
            }

            placement = new InitialPlacement { Kind = InitialKind.FromSources };
        }
        else if (node.IsScalar)
        {
            placement = node.AsChoice("sources", "uniform") == "sources"
                ? new InitialPlacement { Kind = InitialKind.FromSources }
                : new InitialPlacement { Kind = InitialKind.UniformOnEdges, EdgeMass = [.. graph.Edges.Select(e => e.Length)] };
        }
        else if (node.Optional("vertex") is { } vertexNode)
        {
            node.AllowOnly("vertex");
            if (!graph.TryGetVertexIndex(vertexNode.AsString(), out var v))
            {
                throw vertexNode.Fail($"the graph has no vertex \"{vertexNode.Text}\"{Known(graph.Vertices.Select(x => x.Id))}");
            }

            placement = new InitialPlacement { Kind = InitialKind.AtVertex, Vertex = v };
        }
        else
        {
            node.AllowOnly("edge", "x");
            var edgeNode = node.Require("edge");
            if (!graph.TryGetEdgeIndex(edgeNode.AsString(), out var e))
            {
                throw edgeNode.Fail($"the graph has no edge \"{edgeNode.Text}\"{Known(graph.Edges.Select(x => x.Id))}");
            }

            placement = new InitialPlacement { Kind = InitialKind.AtPoint, Edge = e, Position = (float)node.Require("x").AsDouble(0, graph.Edges[e].Length) };
        }

        try
        {
            SamplingWire.ToInitialCondition(placement, graph);
        }
        catch (ArgumentException e)
        {
            throw (node ?? root).Fail(e.Message);
        }

        return placement;
    }
}
