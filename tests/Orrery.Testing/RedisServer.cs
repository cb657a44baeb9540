using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orrery.Testing;

/// <summary>
/// A real <c>redis-server</c> process on 127.0.0.1 for one test or fixture: its own free port,
/// its own temporary directory, no persistence (<c>--save "" --appendonly no</c>), so a restart
/// comes back empty, unless made with <c>appendOnly</c> (<c>--appendonly yes --appendfsync always</c>, as the
/// chart's Redis runs), when a restart comes back with every write. <see cref="StopAsync"/> kills it (as a crash
/// would) and <see cref="StartAsync"/> brings it back on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string NotFoundMessage = "redis-server not found; the test command installs it with apt-get";

    // Redis 7 answers PING about 5 ms after exec on the 2-core build machine; 10 s leaves room
    // for a loaded CI box without letting a wedged start hang a test run.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _executable;
    private readonly DirectoryInfo _directory;
    private Process? _process;
    private int _port;
    private bool _portPinned;
    private bool _disposed;
    private readonly bool _appendOnly;

    /// <summary>
    /// Prepares a server without starting it. With no <paramref name="port"/> a free loopback
    /// port is chosen (and changed if another process takes it before the first start); with one,
    /// that port is used as given, which lets a test point a client at Redis before it runs.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>redis-server</c> is not on PATH.</exception>
    public RedisServer(int? port = null, bool appendOnly = false)
    {
        _appendOnly = appendOnly;
        _executable = FindExecutable() ?? throw new InvalidOperationException(NotFoundMessage);
        _port = port ?? FreePort.Next();
        _portPinned = port is not null;
        _directory = Directory.CreateTempSubdirectory("orrery-redis-");
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port => _port;

    /// <summary>A StackExchange.Redis connection string: <c>127.0.0.1:port</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{_port}";

    /// <summary>True while the process started by <see cref="StartAsync"/> is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Creates a server on a free port and starts it.</summary>
    public static async Task<RedisServer> StartNewAsync(CancellationToken cancellationToken = default, bool appendOnly = false)
    {
        var server = new RedisServer(appendOnly: appendOnly);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts <c>redis-server</c> and returns once it answers PING. After the first successful
    /// start the port is fixed, so a start after <see cref="StopAsync"/> reuses it.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server is already running on port {_port}");
        }

        await KillAsync().ConfigureAwait(false); // reaps a process that died on its own

        // Three tries cover the race where another process takes the free port before redis binds it.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            _process = Launch();
            var failure = await WaitForPongAsync(_process, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                _portPinned = true;
                return;
            }

            await KillAsync().ConfigureAwait(false);
            if (_portPinned || attempt == attempts)
            {
                throw new InvalidOperationException(
                    $"redis-server on 127.0.0.1:{_port} did not start: {failure}. Log tail:{Environment.NewLine}{LogTail()}");
            }

            _port = FreePort.Next();
        }
    }

    /// <summary>Kills the process (no clean shutdown, as a crash) and waits until it has exited.</summary>
    public Task StopAsync() => KillAsync();

    /// <summary>
    /// Freezes the server with SIGSTOP for <paramref name="duration"/>, then resumes it with SIGCONT: a server that
    /// accepts nothing and answers nothing, as an overloaded or partitioned one looks to its clients. (Redis's own
    /// CLIENT PAUSE no longer serves: StackExchange.Redis 3.x scripts run through it.)
    /// </summary>
    public void Freeze(TimeSpan duration)
    {
        var process = _process ?? throw new InvalidOperationException("redis-server is not running");
        Signal(process.Id, "STOP");
        _ = Task.Delay(duration).ContinueWith(_ => Signal(process.Id, "CONT"), TaskScheduler.Default);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })
            ?? throw new InvalidOperationException($"could not send SIG{signal} to redis-server {pid}");
        kill.WaitForExit();
    }

    /// <summary>Kills the process if it runs and deletes its temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync().ConfigureAwait(false);
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp directory left behind is harmless; failing the test over it is not.
        }
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory.FullName,
        };
        string[] arguments =
        [
            "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _directory.FullName,
            "--logfile", LogPath,
            "--save", string.Empty,
            "--appendonly", _appendOnly ? "yes" : "no",
            "--appendfsync", "always",
            "--daemonize", "no",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_executable}");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <returns>Null once the server answers +PONG; otherwise why it did not.</returns>
    private async Task<string?> WaitForPongAsync(Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                return $"the process exited with code {process.ExitCode}";
            }

            if (await PingAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }

        return $"no +PONG within {StartTimeout.TotalSeconds:0}s";
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _port), timeout.Token).ConfigureAwait(false);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var reply = new byte[64];
            var length = 0;
            while (length < 7)
            {
                var read = await socket.ReceiveAsync(reply.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return Encoding.ASCII.GetString(reply, 0, length).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
    }

    private string LogPath => Path.Combine(_directory.FullName, "redis.log");

    private string LogTail()
    {
        try
        {
            var text = File.ReadAllText(LogPath);
            return text.Length <= 2000 ? text : text[^2000..];
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
