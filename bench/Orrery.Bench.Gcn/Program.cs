using System.Globalization;
using Orrery.Bench.Gcn;

// orrery-bench-gcn: the GCN benchmark's helpers (bench/run-gcn.sh runs the silos, the client and the peer).
//   graph  --out DIR [--nodes 100000 --classes 4 --features 64 --degree 8 --cross-degree 2 --separation 0.5 --seed 1 --split-seed 1]
//          a CSBM graph as edges.csv, features.npy, labels.npy, plus the split Orrery's loader draws (split.npy) and graph.json
//   train  --graph DIR [--device cpu|cuda|cuda:N --epochs 12 --warmup 2 --layers 3 --hidden 128 --linear-layers 1 --dropout 0.5
//          --lr 0.003 --weight-decay 0.0005 --seed 1 --split-seed 1 --precompute false --out FILE]
//          Orrery's model on the graph's files as one part in this process (bench/run-gcn-gpu.sh)
//   report --dir OUT [--warmup 3]   markdown tables of OUT/runs/*, OUT/torch.json and OUT/links.csv
var arguments = BenchArguments.Parse(args.Skip(1).ToArray());
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args.FirstOrDefault() switch
{
    "graph" => GraphExport.Run(arguments),
    "report" => GcnReport.Run(arguments),
    "train" => LocalTraining.Run(arguments),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: orrery-bench-gcn graph|train|report [--name value ...]; see bench/run-gcn.sh");
    return 2;
}
