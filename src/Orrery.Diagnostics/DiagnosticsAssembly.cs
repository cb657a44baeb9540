using System.Reflection;

namespace Orrery.Diagnostics;

/// <summary>Handle for registering the diagnostic grains with a silo.</summary>
public static class DiagnosticsAssembly
{
    public static Assembly Assembly => typeof(DiagnosticsAssembly).Assembly;
}
