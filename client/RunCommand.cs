using System.CommandLine;
using System.Diagnostics;
using Orrery.Cluster.Silos;
using Orrery.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// <c>orrery run SPEC</c>: runs an experiment spec against a cluster (when a gateway is given, by
/// option or <c>ORRERY_GATEWAY</c>) or on an embedded cluster, with a progress bar, and writes its
/// outputs to a folder that appears only when the run succeeds.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var spec = new Argument<FileInfo>("spec") { Description = "Experiment spec (YAML or JSON) with a 'kind' field" };
        var output = new Option<string?>("--out", "-o") { Description = "Output folder. Default: results/<spec file name without extension>" };
        var embeddedSilos = new Option<int>("--embedded-silos") { Description = "Silos of the embedded cluster used when no gateway is given", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "Show the embedded silos' logs" };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run of this spec and output folder from its last checkpoint (gcn)" };
        var connection = new ConnectionOptions();
        var command = new Command("run", "Run an experiment spec on a cluster, or on an embedded one when no gateway is given");
        command.Arguments.Add(spec);
        command.Options.Add(output);
        command.Options.Add(embeddedSilos);
        command.Options.Add(verbose);
        command.Options.Add(resume);
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var request = ReadRequest(parse.GetValue(spec)!, parse.GetValue(output), parse.GetValue(embeddedSilos), parse.GetValue(verbose)) with { Resume = parse.GetValue(resume) };
            if (request.Resume && !request.Runner.CanResume)
            {
                throw new ArgumentException($"--resume: {request.Runner.Kind} runs keep no checkpoint to continue from; only gcn runs do");
            }

            return await RunAsync(parse, connection, request, cancellationToken);
        }, cancellationToken));
        return command;
    }

    /// <summary>Checks the command line and loads the spec; everything here is refused before any work starts.</summary>
    private static RunRequest ReadRequest(FileInfo specFile, string? output, int silos, bool verbose)
    {
        if (!specFile.Exists)
        {
            throw new ArgumentException($"spec file {specFile.FullName} does not exist");
        }

        var root = ExperimentSpec.Load(specFile.FullName);
        var runner = ExperimentRunners.ForKind(root);
        var outDir = output ?? Path.Combine("results", Path.GetFileNameWithoutExtension(specFile.Name));
        if (silos is < 1 or > 16)
        {
            throw new ArgumentException($"--embedded-silos is {silos}; it must be between 1 and 16");
        }

        return new RunRequest(specFile, root, runner, outDir, silos, verbose);
    }

    private static async Task<int> RunAsync(ParseResult parse, ConnectionOptions connection, RunRequest request, CancellationToken cancellationToken)
    {
        var runner = request.Runner;

        // The output place is checked before any work starts; its staging folder appears with the first file.
        using var staged = new ExperimentOutput(request.OutDir);
        OrleansEmbeddedCluster? embedded = null;
        OrleansClientConnection? connected = null;
        try
        {
            if (connection.NamesCluster(parse))
            {
                connected = await connection.ConnectAsync(parse, cancellationToken);
                var active = await EmbeddedOrleans.Silos(connected.Client)(cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"Running [bold]{runner.Kind}[/] experiment {request.SpecFile.Name} on the cluster ({active.Count} active silos)");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"Running [bold]{runner.Kind}[/] experiment {request.SpecFile.Name} on an embedded cluster of {request.Silos} silo(s)");
                if (runner is Orrery.Pca.Experiments.PcaExperimentRunner)
                {
                    GemmNotice.ShowOnce();
                }

                embedded = await connection.StartEmbeddedAsync(parse, request.Silos, request.Verbose, cancellationToken);
            }

            var orleans = connected?.Client ?? embedded!.Client;
            var outcome = await RunWithProgressAsync(runner, request.Root, (progress, say) => new ExperimentContext
            {
                Cluster = orleans,
                Silos = EmbeddedOrleans.Silos(orleans),
                Output = staged,
                Progress = progress,
                Say = say,
                Resume = request.Resume,
            }, cancellationToken);
            staged.Commit();
            Report(outcome, staged);
            return outcome.Passed ? 0 : 1;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            if (connected is not null)
            {
                await connected.DisposeAsync();
            }
        }
    }

    /// <summary>Prints the runner's summary, where the files went, and which checks ran and how they came out.</summary>
    private static void Report(ExperimentOutcome outcome, ExperimentOutput staged)
    {
        foreach (var line in outcome.Summary)
        {
            AnsiConsole.WriteLine(line);
        }

        AnsiConsole.MarkupLineInterpolated($"Wrote {staged.Files.Count} files to {staged.Directory}");
        if (outcome.Checks.Count == 0)
        {
            AnsiConsole.MarkupLine("experiment finished; no check ran (the spec asks for none that applies)");
        }
        else
        {
            var which = Markup.Escape(string.Join("; ", outcome.Checks));
            AnsiConsole.MarkupLine(outcome.Passed ? $"[green]experiment finished; its checks passed[/] ({which})" : $"[red]experiment finished; a check failed[/] ({which})");
        }
    }

    private static async Task<ExperimentOutcome> RunWithProgressAsync(IExperimentRunner runner, SpecNode root,
        Func<IProgress<ExperimentProgress>, Action<string>, ExperimentContext> context, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs and CI: a progress line at most every two seconds instead of a redrawn bar.
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.FromSeconds(-2); // not MinValue: Elapsed - MinValue overflows
            var progress = new SynchronousProgress(p =>
            {
                if (clock.Elapsed - last >= TimeSpan.FromSeconds(2) || p.Fraction >= 1)
                {
                    last = clock.Elapsed;
                    Console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {100 * p.Fraction,5:F1}%  {p.Detail}");
                }
            });
            return await runner.RunAsync(context(progress, Console.WriteLine), root, cancellationToken);
        }

        ExperimentOutcome? outcome = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(runner.Kind, maxValue: 1.0);
                var progress = new SynchronousProgress(p =>
                {
                    task.Value = Math.Clamp(p.Fraction, 0, 1);
                    task.Description = $"{runner.Kind}: {Markup.Escape(p.Detail)}";
                });
                outcome = await runner.RunAsync(context(progress, lines.Add), root, cancellationToken);
                task.Value = 1;
            });
        foreach (var line in lines)
        {
            AnsiConsole.WriteLine(line);
        }

        return outcome!;
    }

    /// <summary>What one <c>orrery run</c> was asked to do, checked.</summary>
    private sealed record RunRequest(FileInfo SpecFile, SpecNode Root, IExperimentRunner Runner, string OutDir, int Silos, bool Verbose, bool Resume = false);

    private sealed class SynchronousProgress(Action<ExperimentProgress> report) : IProgress<ExperimentProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ExperimentProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
