using System.CommandLine;
using Orrery.Client;

var root = new RootCommand("orrery: run experiments on an Orrery cluster, or on an embedded one");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(SilosCommand.Create());
root.Subcommands.Add(PingCommand.Create());
root.Subcommands.Add(CertsCommand.Create());
return await root.Parse(args).InvokeAsync();
