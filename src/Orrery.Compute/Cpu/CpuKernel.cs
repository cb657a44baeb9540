namespace Orrery.Compute.Cpu;

/// <summary>
/// The CPU twin of a kernel: computes what the kernel computes, from the same arguments, over the whole
/// problem (using the cores however suits it). The geometry is the GPU launch's, passed for twins whose
/// result depends on it (block-level reductions); most ignore it.
/// </summary>
public delegate void CpuKernel(LaunchGeometry geometry, KernelArguments arguments);
