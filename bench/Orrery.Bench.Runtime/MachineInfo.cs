using System.Runtime.InteropServices;

namespace Orrery.Bench.Runtime;

/// <summary>The machine a run was measured on, for the results file.</summary>
internal sealed record MachineInfo(int Cores, string CpuModel, string Memory, string Os, string Runtime)
{
    public static MachineInfo Read()
    {
        var model = ProcField("/proc/cpuinfo", "model name") ?? "unknown";
        var memory = ProcField("/proc/meminfo", "MemTotal") is { } total && long.TryParse(total.Split(' ')[0], out var kib)
            ? $"{kib / (1024.0 * 1024.0):0.0} GiB"
            : "unknown";
        return new MachineInfo(Environment.ProcessorCount, model, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    private static string? ProcField(string path, string name)
    {
        try
        {
            return File.ReadLines(path)
                .Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
