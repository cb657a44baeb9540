using System.Diagnostics;
using System.Threading.Channels;

namespace Orrery.Bench.Runtime;

/// <summary>
/// A process this benchmark started: a silo, or this program in one of its peer modes. Its
/// output goes to a log file, and (for peer modes) line by line to <see cref="ReadLineAsync"/>;
/// commands go to its stdin. Peer modes exit when their stdin closes, so a crashed benchmark
/// leaves no peer behind.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();

    private ChildProcess(string name, ProcessStartInfo start, string logPath)
    {
        Name = name;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, toReader: true);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, toReader: false);
        if (!_process.Start())
        {
            throw new InvalidOperationException($"could not start {start.FileName}");
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts an executable with extra environment variables.</summary>
    public static ChildProcess Start(string name, string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        var start = new ProcessStartInfo(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ChildProcess(name, start, Path.Combine(logDirectory, $"{name}.log"));
    }

    /// <summary>Starts this program again in a peer mode (<c>serve-h2</c>, <c>raw-node</c>).</summary>
    public static ChildProcess StartSelf(string name, IEnumerable<string> arguments, string logDirectory) =>
        StartSelf(name, arguments, new Dictionary<string, string>(), logDirectory);

    /// <summary>Starts this program again in a peer mode with extra environment variables (secrets stay off the command line).</summary>
    public static ChildProcess StartSelf(string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this program is unknown");
        var all = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Started as 'dotnet Orrery.Bench.Runtime.dll': start the child the same way.
            all.Add(typeof(ChildProcess).Assembly.Location);
        }

        all.AddRange(arguments);
        return Start(name, self, all, environment, logDirectory);
    }

    /// <summary>The next line the process wrote to stdout; fails if it exits or stays silent past <paramref name="timeout"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"{Name} wrote nothing within {timeout.TotalSeconds:0} s; see {LogPath}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name} exited; see {LogPath}:{Environment.NewLine}{LogTail()}");
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The last lines of the log, for errors.</summary>
    public string LogTail()
    {
        lock (_logLock)
        {
            var text = File.ReadAllText(LogPath);
            return text.Length <= 3000 ? text : text[^3000..];
        }
    }

    /// <summary>Closes stdin (peer modes exit on that), then kills the process if it is still there after 5 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            Kill();
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    /// <summary>Ends the process at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnLine(string? line, bool toReader)
    {
        if (line is null)
        {
            if (toReader)
            {
                _lines.Writer.TryComplete();
            }

            return;
        }

        lock (_logLock)
        {
            _log.WriteLine(line);
        }

        if (toReader)
        {
            _lines.Writer.TryWrite(line);
        }
    }
}
