using System.CommandLine;
using Orrery.Client;

var root = new RootCommand("orrery: run experiments on an Orrery cluster, or on an embedded one");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(SilosCommand.Create());
root.Subcommands.Add(PingCommand.Create());
root.Subcommands.Add(CertsCommand.Create());
// On SIGINT/SIGTERM the command's token is cancelled and it gets InterruptGrace to stop its work and clean up.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = CommandErrors.InterruptGrace });
