using System.Text.RegularExpressions;

namespace Orrery.Compute.Kernels;

/// <summary>
/// The CUDA sources under <c>kernels/</c>: <c>.cu</c> files (one module each) and the <c>.cuh</c> headers
/// they include with <c>#include "name.cuh"</c>. The shipped set is embedded in this assembly, so a
/// published silo or check program carries the exact text it was built with; a directory can stand in
/// for it while a kernel is being worked on.
/// </summary>
internal sealed partial class KernelSources
{
    private const string ResourcePrefix = "kernels/";

    private readonly IReadOnlyDictionary<string, string> _files;

    public KernelSources(IReadOnlyDictionary<string, string> files, string origin)
    {
        _files = files;
        Origin = origin;
    }

    /// <summary>The sources embedded at build time.</summary>
    public static KernelSources Embedded { get; } = LoadEmbedded();

    /// <summary>Where the sources came from, for messages ("embedded", a directory).</summary>
    public string Origin { get; }

    /// <summary>Every file name (flat: "check.cu", "philox.cuh").</summary>
    public IEnumerable<string> FileNames => _files.Keys;

    /// <summary>The *.cu files.</summary>
    public IEnumerable<string> Modules => _files.Keys.Where(name => name.EndsWith(".cu", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>Reads every *.cu and *.cuh file in <paramref name="directory"/>.</summary>
    public static KernelSources FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ComputeException($"kernel source directory {directory} does not exist");
        }

        var files = Directory.EnumerateFiles(directory)
            .Where(path => path.EndsWith(".cu", StringComparison.Ordinal) || path.EndsWith(".cuh", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllText, StringComparer.Ordinal);
        return new KernelSources(files, directory);
    }

    public bool Contains(string fileName) => _files.ContainsKey(fileName);

    /// <summary>The text of <paramref name="fileName"/>.</summary>
    public string Text(string fileName) =>
        _files.TryGetValue(fileName, out var text) ? text : throw new ComputeException($"kernel source {fileName} not found in {Origin} (have: {string.Join(", ", _files.Keys.Order(StringComparer.Ordinal))})");

    /// <summary>
    /// The headers <paramref name="fileName"/> includes, directly or through other headers, sorted by name.
    /// Only quoted includes of files in this set count; <c>#include &lt;...&gt;</c> is NVRTC's business.
    /// </summary>
    public IReadOnlyList<string> IncludesOf(string fileName)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(fileName);
        while (pending.Count > 0)
        {
            foreach (Match match in QuotedInclude().Matches(Text(pending.Pop())))
            {
                var header = match.Groups[1].Value;
                if (_files.ContainsKey(header) && header != fileName && found.Add(header))
                {
                    pending.Push(header);
                }
            }
        }

        return [.. found];
    }

    private static KernelSources LoadEmbedded()
    {
        var assembly = typeof(KernelSources).Assembly;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream);
                files[resource[ResourcePrefix.Length..]] = reader.ReadToEnd();
            }
        }

        return new KernelSources(files, $"{assembly.GetName().Name} (embedded kernels/)");
    }

    [GeneratedRegex("""^\s*#\s*include\s*"([^"]+)"\s*$""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex QuotedInclude();
}
