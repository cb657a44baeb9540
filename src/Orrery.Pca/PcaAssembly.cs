using System.Reflection;

namespace Orrery.Pca;

/// <summary>Handle for registering the PCA grains with a silo.</summary>
public static class PcaAssembly
{
    public static Assembly Assembly => typeof(PcaAssembly).Assembly;
}
