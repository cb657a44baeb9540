using Orrery.Bench.Runtime;
using Orrery.Bench.Runtime.OrleansTensors;

// Orrery.Bench.Runtime: grain calls and tensor transfers between two real orrery-silo processes,
// each measured next to its peer in the same run (an HTTP/2 echo endpoint, a raw socket pair).
// The peers run as child processes of this program:
//   (no mode)        the benchmark; options in BenchOptions
//   serve-h2 PORT    a Kestrel h2c echo endpoint on 127.0.0.1:PORT, until stdin closes
//   raw-node         one end of the raw socket pair, driven by commands on stdin
//   orleans-tensors  tensor transfers between two Orleans silo processes (OrleansTensorOptions)
//   orleans-silo     one of those silos (OrleansSiloHost), until stdin closes
return args.FirstOrDefault() switch
{
    "serve-h2" => await H2EchoServer.RunAsync(args[1..]),
    "raw-node" => await RawSocketNode.RunAsync(),
    "orleans-tensors" => await OrleansTensorBenchmark.RunAsync(args[1..]),
    "orleans-silo" => await OrleansSiloHost.RunAsync(args[1..]),
    _ => await RuntimeBenchmark.RunAsync(args),
};
