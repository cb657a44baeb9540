using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>Loads a graph file by its extension: .json (<see cref="MetricGraphJson"/>), .csv (<see cref="EdgeListCsv"/>), .dgf (<see cref="DuneGridFormat"/>).</summary>
public static class MetricGraphFiles
{
    /// <summary>Reads <paramref name="path"/> with the loader its extension names, with default options.</summary>
    /// <exception cref="MetricGraphFormatException">The file is not a valid graph, or its extension is not one of the three.</exception>
    public static MetricGraph Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new MetricGraphFormatException(new SourceLocation(path, 0), "the file does not exist");
        }

        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => MetricGraphJson.Load(path),
            ".csv" => EdgeListCsv.Load(path),
            ".dgf" => DuneGridFormat.Load(path),
            var other => throw new MetricGraphFormatException(new SourceLocation(Path.GetFileName(path), 0),
                $"unknown graph file type \"{other}\"; use .json (Orrery's format), .csv (edge list) or .dgf (DUNE grid format)"),
        };
    }
}
