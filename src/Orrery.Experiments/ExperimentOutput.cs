namespace Orrery.Experiments;

/// <summary>
/// An output folder written through a staging folder beside it: files appear under the final name
/// only when <see cref="Commit"/> runs, so a failed or cancelled run leaves no half-written results.
/// An existing output folder is replaced only at commit. The constructor checks the place before any work starts
/// (an existing file, <c>/dev/null</c> or a folder that cannot be written is refused with
/// <see cref="ArgumentException"/>); the staging folder is created only when the first file is written.
/// <para>Staging folders that a process no longer running left behind (killed before it could clean up) are removed
/// when a new output for the same folder is made.</para>
/// <para>Beside them, <see cref="ResumeDirectory"/> keeps what a runner needs to continue an interrupted run (a GCN
/// checkpoint, for one): it outlives a failed or killed run, so that <c>orrery run --resume</c> finds it, and goes when a
/// run commits.</para>
/// </summary>
public sealed class ExperimentOutput : IDisposable
{
    private readonly List<string> _files = [];
    private readonly string _parent;
    private bool _committed;
    private bool _staged;

    /// <summary>Starts a staged output for the folder <paramref name="directory"/>; throws <see cref="ArgumentException"/> when it cannot be written.</summary>
    public ExperimentOutput(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _parent = Path.GetDirectoryName(Directory) ?? throw new ArgumentException($"output folder {directory} has no parent: name a folder inside one");
        CheckWritable(directory, Directory, _parent);
        StagingDirectory = Path.Combine(_parent, $".{Path.GetFileName(Directory)}.staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
        RemoveStaleStaging(_parent, Path.GetFileName(Directory));
    }

    /// <summary>The final output folder.</summary>
    public string Directory { get; }

    /// <summary>Where files are written until commit (created with the first file).</summary>
    public string StagingDirectory { get; }

    /// <summary>Where a run keeps its resume state (created by <see cref="ResumePath"/>; removed by <see cref="Commit"/>, kept otherwise).</summary>
    public string ResumeDirectory => Path.Combine(_parent, $".{Path.GetFileName(Directory)}.resume");

    /// <summary>The path of the resume file <paramref name="name"/> (a plain file name), creating <see cref="ResumeDirectory"/>.</summary>
    public string ResumePath(string name)
    {
        if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or "..")
        {
            throw new ArgumentException($"resume file name {name} must be a plain file name");
        }

        System.IO.Directory.CreateDirectory(ResumeDirectory);
        return Path.Combine(ResumeDirectory, name);
    }

    /// <summary>Relative names of the files written so far.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The staging path for <paramref name="name"/> (relative, may contain folders); records the file.</summary>
    public string PathFor(string name)
    {
        if (Path.IsPathRooted(name) || name.Split('/', '\\').Contains(".."))
        {
            throw new ArgumentException($"output name {name} must be relative and stay inside the output folder");
        }

        EnsureStaged();
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

    /// <summary>Moves the staged files under the final name (replacing an earlier output there) and removes the resume state.</summary>
    public void Commit()
    {
        EnsureStaged();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        System.IO.Directory.Move(StagingDirectory, Directory);
        _committed = true;
        if (System.IO.Directory.Exists(ResumeDirectory))
        {
            System.IO.Directory.Delete(ResumeDirectory, recursive: true);
        }
    }

    /// <summary>Removes the staging folder when the run did not commit.</summary>
    public void Dispose()
    {
        if (!_committed && System.IO.Directory.Exists(StagingDirectory))
        {
            System.IO.Directory.Delete(StagingDirectory, recursive: true);
        }
    }

    private void EnsureStaged()
    {
        if (!_staged)
        {
            System.IO.Directory.CreateDirectory(StagingDirectory);
            _staged = true;
        }
    }

    /// <summary>
    /// Removes staging folders of this output that a process which is no longer running left behind (a client killed
    /// with <c>kill -9</c>, or its machine lost, has no chance to remove its own). The process id is in the folder's name;
    /// a folder whose process still runs (or whose name does not parse) is left alone.
    /// </summary>
    private static void RemoveStaleStaging(string parent, string name)
    {
        if (!System.IO.Directory.Exists(parent))
        {
            return;
        }

        var prefix = $".{name}.staging-";
        foreach (var folder in System.IO.Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            var rest = Path.GetFileName(folder)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest.AsSpan(0, dash), out var pid) || pid == Environment.ProcessId || IsRunning(pid))
            {
                continue;
            }

            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's, or going away already: not this run's business.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Refuses an output place that is a file (or device) or lies in a folder this process cannot write: the nearest
    /// existing folder above it gets a probe folder created and removed, so nothing is left behind.
    /// </summary>
    private static void CheckWritable(string given, string full, string parent)
    {
        if (File.Exists(full))
        {
            throw new ArgumentException($"output folder {given} is an existing file, not a folder; name a folder (it is created, or replaced when the run succeeds)");
        }

        var existing = parent;
        while (!System.IO.Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new ArgumentException($"output folder {given} lies under {existing}, which is a file, not a folder");
            }

            existing = Path.GetDirectoryName(existing) ?? throw new ArgumentException($"output folder {given}: no part of its path exists");
        }

        var probe = Path.Combine(existing, $".orrery-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            System.IO.Directory.CreateDirectory(probe);
            System.IO.Directory.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"output folder {given} cannot be written: {existing} does not let this user create folders ({e.Message})", e);
        }
    }
}
