using System.CommandLine;
using Orrery.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// <c>orrery check SPEC...</c>: reads and checks experiment specs with the same checks <c>orrery run</c> makes before any
/// work (the <c>kind</c>, then the workload's own validation), without a cluster. Exit code 0 when every spec is good,
/// 1 when one is not (each problem on a line naming the file, line and field).
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var specs = new Argument<FileInfo[]>("spec") { Description = "Experiment specs (YAML or JSON) with a 'kind' field", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check", "Check experiment specs as 'orrery run' would, without running them");
        command.Arguments.Add(specs);
        command.SetAction(parse =>
        {
            var bad = 0;
            foreach (var file in parse.GetValue(specs)!)
            {
                try
                {
                    if (!file.Exists)
                    {
                        throw new ExperimentSpecException($"{file.FullName}: the spec file does not exist");
                    }

                    var root = ExperimentSpec.Load(file.FullName);
                    var runner = ExperimentRunners.ForKind(root);
                    runner.Check(root);
                    Console.WriteLine($"ok {file.Name}: a {runner.Kind} experiment");
                }
                catch (ExperimentSpecException e)
                {
                    bad++;
                    AnsiConsole.MarkupLineInterpolated($"[red]orrery: bad spec:[/] {e.Message}");
                }
            }

            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
