using Orrery.Compute;
using Orrery.GpuCheck;

// orrery-gpucheck: compares the CUDA backend with the CPU backend on the same inputs and prints a
// pass/fail table with the largest error of each check (llm.c's validate_result), then the metric-graph
// sampler's kernel (kernels/metric_graph.cu) with the CPU sampler on the same particles (MetricGraphChecks), then
// the GCN's kernels (kernels/gcn.cu, kernels/gcn_dense.cu bitwise, kernels/gcn_loss.cu within stated tolerances: CUDA's
// exp and log against libm's) against their CPU twins (GcnChecks). Run it on a machine
// with a GPU through bench/gpu-check.sh. Without a usable GPU it runs the CPU backend's own checks,
// says clearly that nothing ran on a GPU, and exits 0, or 3 with --require-gpu.
//
// Exit codes: 0 every check passed; 1 a check failed; 2 bad arguments; 3 no usable GPU while
// --require-gpu or --device cuda:N asked for one.
//
// Usage: orrery-gpucheck [--device auto|cuda:N] [--require-gpu] [--kernel-cache DIR]
//   --kernel-cache  where compiled kernels go; default a fresh temporary directory (removed after), so
//                   the compile and the cache reload are both exercised.
const int Passed = 0, Failed = 1, Usage = 2, NoGpu = 3;

var device = "auto";
var requireGpu = false;
string? cacheDirectory = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--require-gpu":
            requireGpu = true;
            break;
        case "--device" when i + 1 < args.Length:
            device = args[++i];
            break;
        case "--kernel-cache" when i + 1 < args.Length:
            cacheDirectory = args[++i];
            break;
        default:
            Console.Error.WriteLine($"orrery-gpucheck: unknown argument '{args[i]}'; usage: orrery-gpucheck [--device auto|cuda:N] [--require-gpu] [--kernel-cache DIR]");
            return Usage;
    }
}

if (device == "cpu")
{
    Console.Error.WriteLine("orrery-gpucheck: --device must be 'auto' or 'cuda:N'; the CPU backend is checked in every run");
    return Usage;
}

var temporaryCache = cacheDirectory is null ? Directory.CreateTempSubdirectory("orrery-gpucheck-kernels-").FullName : null;
var options = new ComputeOptions { KernelCacheDirectory = cacheDirectory ?? temporaryCache! };
try
{
    DeviceDiscovery discovery;
    try
    {
        discovery = ComputeDevices.Discover(device, options);
    }
    catch (ComputeException e)
    {
        Console.WriteLine($"orrery-gpucheck: {e.Message}");
        return NoGpu;
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"orrery-gpucheck: {e.Message}");
        return Usage;
    }

    using (discovery)
    {
        Console.WriteLine($"orrery-gpucheck: {discovery.Note}");
        foreach (var each in discovery.Devices)
        {
            Console.WriteLine($"  {each}");
        }

        var table = new CheckTable();
        CpuChecks.Run(discovery.Cpu, table);
        foreach (var gpu in discovery.Gpus)
        {
            Console.WriteLine($"{gpu.Name}: kernels for {gpu.KernelTarget}, cache {gpu.KernelCacheDirectory}");
            new GpuChecks(gpu, discovery.Cpu, options, table, Console.Out).Run();
            new MetricGraphChecks(gpu, table, Console.Out).Run();
            new GcnChecks(gpu, table, Console.Out).Run();
        }

        Console.WriteLine();
        table.Print(Console.Out);
        if (discovery.Gpus.Count == 0)
        {
            Console.WriteLine();
            Console.WriteLine("NO GPU CHECKED: no usable GPU on this machine, so only the CPU backend was checked above.");
            Console.WriteLine("Run bench/gpu-check.sh on a machine with an NVIDIA GPU, its driver, NVRTC and cuBLAS to check the CUDA backend.");
            if (requireGpu)
            {
                return NoGpu;
            }
        }

        return table.AllPassed ? Passed : Failed;
    }
}
finally
{
    if (temporaryCache is not null)
    {
        Directory.Delete(temporaryCache, recursive: true);
    }
}
