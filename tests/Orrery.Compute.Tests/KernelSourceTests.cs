using Orrery.Compute.Kernels;

namespace Orrery.Compute.Tests;

/// <summary>The shipped kernels: embedded as built, and each file opens with the header STYLE.md asks for.</summary>
public sealed class KernelSourceTests
{
    private static readonly string RepositoryRoot = FindRepositoryRoot();

    [Fact]
    public void EveryKernelFileIsEmbeddedAsItIsOnDisk()
    {
        var onDisk = KernelSources.FromDirectory(Path.Combine(RepositoryRoot, "kernels"));
        Assert.Equal(onDisk.FileNames.Order(), KernelSources.Embedded.FileNames.Order());
        foreach (var file in onDisk.FileNames)
        {
            Assert.Equal(onDisk.Text(file), KernelSources.Embedded.Text(file));
        }

        Assert.Contains("check.cu", KernelSources.Embedded.Modules);
        Assert.Equal(["host_device.cuh", "philox.cuh"], KernelSources.Embedded.IncludesOf("check.cu"));
        Assert.Contains("metric_graph.cu", KernelSources.Embedded.Modules);
        Assert.Equal(["host_device.cuh", "metric_graph_step.cuh", "philox.cuh"], KernelSources.Embedded.IncludesOf("metric_graph.cu"));
    }

    [Fact]
    public void EachFileOpensWithWhatItComputesShapesLaunchGeometryAndItsCpuTwin()
    {
        foreach (var file in KernelSources.Embedded.FileNames)
        {
            var text = KernelSources.Embedded.Text(file);
            var header = string.Concat(text.Split('\n').TakeWhile(line => line.StartsWith("//", StringComparison.Ordinal)).Select(line => line + "\n"));
            Assert.StartsWith($"// {file}: ", header);
            foreach (var section in new[] { "Computes", "Shapes:", "Launch geometry:", "CPU twin" })
            {
                Assert.True(header.Contains(section, StringComparison.Ordinal), $"{file}'s opening comment has no '{section}'");
            }

            foreach (var path in header.Split(' ', '\n', ',', ';').Where(word => word.StartsWith("src/", StringComparison.Ordinal)))
            {
                var twin = path.TrimEnd('.', ')');
                Assert.True(File.Exists(Path.Combine(RepositoryRoot, twin)), $"{file} names its CPU twin {twin}, which does not exist");
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orrery.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Orrery.slnx above {AppContext.BaseDirectory}");
    }
}
