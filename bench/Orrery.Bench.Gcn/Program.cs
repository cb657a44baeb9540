using System.Globalization;
using Orrery.Bench.Gcn;

// orrery-bench-gcn: the GCN benchmark's helpers (bench/run-gcn.sh runs the silos, the client and the peer).
//   graph  --out DIR [--nodes 100000 --classes 4 --features 64 --degree 8 --cross-degree 2 --separation 0.5 --seed 1 --split-seed 1]
//          a CSBM graph as edges.csv, features.npy, labels.npy, plus the split Orrery's loader draws (split.npy) and graph.json
//   report --dir OUT [--warmup 3]   markdown tables of OUT/runs/*, OUT/torch.json and OUT/links.csv
var arguments = BenchArguments.Parse(args.Skip(1).ToArray());
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args.FirstOrDefault() switch
{
    "graph" => GraphExport.Run(arguments),
    "report" => GcnReport.Run(arguments),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: orrery-bench-gcn graph|report [--name value ...]; see bench/run-gcn.sh");
    return 2;
}
