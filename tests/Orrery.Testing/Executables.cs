using System.Diagnostics;

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

    /// <summary>
    /// Runs the built <c>orrery</c> client with <paramref name="args"/> (a wide console, so tables do not
    /// wrap) and returns its exit code and its standard output followed by its standard error.
    /// </summary>
    public static Task<(int Code, string Output)> RunClientAsync(TimeSpan limit, params string[] args) =>
        RunClientAsync(limit, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunClientAsync(TimeSpan, string[])"/>, with <paramref name="environment"/> added to the client's environment.</summary>
    public static async Task<(int Code, string Output)> RunClientAsync(TimeSpan limit, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Client);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static string Locate(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; build the solution first (scripts/test.sh does)");
}
