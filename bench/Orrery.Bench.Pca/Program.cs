using System.Globalization;
using Orrery.Bench.Pca;

// orrery-bench-pca: the reference experiments and timings of the PCA workload (bench/results/pca.md).
//   convergence --data power|exponential|fashion-mnist --starts 10 --steps 1,5 --total 600 --out DIR [--solvers a,b --eta 1 --tag -x]
//   shards      --shards 1,2,4 --target 1e-4 --components 30 --out DIR [--device cpu|cuda|cuda:N]
//   large       --rows 50000 --dimension 2000 --components 16 --target 1e-3 --out DIR [--solvers parallel,subspace --oversample 10 --device cpu|cuda|cuda:N]
//   asynchronous [--dimension 1000 --rows 8000 --components 10 --target 1e-4 --shards 2 --silos 2]   synchronous beside asynchronous rounds
//   gemm        [--shapes 256x256x256,1024x1024x1024,60000x16x784,16x784x60000:TN --repeats 7]   the CPU device's managed SGEMM beside OpenBLAS
var arguments = BenchArguments.Parse(args.Skip(1).ToArray());
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args.FirstOrDefault() switch
{
    "convergence" => await ConvergenceBenchmark.RunAsync(arguments),
    "shards" => await ShardTimingBenchmark.RunAsync(arguments),
    "large" => await LargeMatrixFreeBenchmark.RunAsync(arguments),
    "gemm" => GemmBenchmark.Run(arguments),
    "asynchronous" => await AsynchronousBenchmark.RunAsync(arguments),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: orrery-bench-pca convergence|shards|large|asynchronous|gemm [--name value ...]; see bench/run-pca.sh");
    return 2;
}
