namespace Orrery.Testing;

/// <summary>Paths of the built <c>orrery-silo</c> and <c>orrery</c>, in the same configuration as the running test project.</summary>
public static class Executables
{
    private static readonly string TestBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);

    // tests/<test project>/bin/<Configuration>/net10.0
    private static readonly string Configuration = Path.GetFileName(Path.GetDirectoryName(TestBin)!);

    public static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(TestBin, "..", "..", "..", "..", ".."));

    public static string Silo => Locate(Path.Combine(RepositoryRoot, "silo", "bin", Configuration, "net10.0", "orrery-silo.dll"));

    public static string Client => Locate(Path.Combine(RepositoryRoot, "client", "bin", Configuration, "net10.0", "orrery.dll"));

    private static string Locate(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; build the solution first (scripts/test.sh does)");
}
