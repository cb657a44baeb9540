namespace Orrery.Experiments;

/// <summary>
/// An output folder written through a staging folder beside it: files appear under the final name
/// only when <see cref="Commit"/> runs, so a failed or cancelled run leaves no half-written results.
/// An existing output folder is replaced only at commit.
/// </summary>
public sealed class ExperimentOutput : IDisposable
{
    private readonly List<string> _files = [];
    private bool _committed;

    /// <summary>Starts a staged output for the folder <paramref name="directory"/>.</summary>
    public ExperimentOutput(string directory)
    {
        Directory = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(Directory) ?? throw new ArgumentException($"output folder {directory} has no parent");
        System.IO.Directory.CreateDirectory(parent);
        StagingDirectory = Path.Combine(parent, $".{Path.GetFileName(Directory)}.staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(StagingDirectory);
    }

    /// <summary>The final output folder.</summary>
    public string Directory { get; }

    /// <summary>Where files are written until commit.</summary>
    public string StagingDirectory { get; }

    /// <summary>Relative names of the files written so far.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The staging path for <paramref name="name"/> (relative, may contain folders); records the file.</summary>
    public string PathFor(string name)
    {
        if (Path.IsPathRooted(name) || name.Split('/', '\\').Contains(".."))
        {
            throw new ArgumentException($"output name {name} must be relative and stay inside the output folder");
        }

        var path = Path.Combine(StagingDirectory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!_files.Contains(name))
        {
            _files.Add(name);
        }

        return path;
    }

    /// <summary>Writes a text file into the output.</summary>
    public void WriteText(string name, string text) => File.WriteAllText(PathFor(name), text);

    /// <summary>Moves the staged files under the final name (replacing an earlier output there).</summary>
    public void Commit()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        System.IO.Directory.Move(StagingDirectory, Directory);
        _committed = true;
    }

    /// <summary>Removes the staging folder when the run did not commit.</summary>
    public void Dispose()
    {
        if (!_committed && System.IO.Directory.Exists(StagingDirectory))
        {
            System.IO.Directory.Delete(StagingDirectory, recursive: true);
        }
    }
}
