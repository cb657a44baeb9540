using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Orrery.Testing;

/// <summary>A real <c>orrery-silo</c> process on loopback, its output kept for failure messages.</summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string name, int port, int httpPort)
    {
        _process = process;
        Name = name;
        Port = port;
        HttpPort = httpPort;
    }

    public string Name { get; }

    /// <summary>The Orleans silo-to-silo port.</summary>
    public int Port { get; }

    public int HttpPort { get; }

    /// <summary>The Orleans gateway port.</summary>
    public int OrleansGatewayPort { get; private init; }

    /// <summary>The Orleans gateway, <c>host:port</c>.</summary>
    public string OrleansGateway => $"127.0.0.1:{OrleansGatewayPort}";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the built silo with its Orleans silo port <paramref name="port"/>, a free gateway port and tensor port,
    /// Redis membership and test timings; <paramref name="extraArgs"/> go on its command line after the standard ones.
    /// </summary>
    public static SiloProcess Start(string name, int port, int httpPort, string redis, string clusterId, string secret, params string[] extraArgs) =>
        StartFrom(Executables.Silo, name, port, httpPort, redis, clusterId, secret, extraArgs);

    /// <summary>Starts the silo at <paramref name="siloDll"/> (for example a published one) as <see cref="Start"/> does.</summary>
    public static SiloProcess StartFrom(string siloDll, string name, int port, int httpPort, string redis, string clusterId, string secret, params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(siloDll);
        // A free gateway port and test timings, unless the caller sets them.
        var orleansGatewayPort = FreePort.Next();
        var orleansDefaults = new (string Key, string Value)[]
        {
            ("--OrleansSilo:GatewayPort", orleansGatewayPort.ToString(CultureInfo.InvariantCulture)),
            ("--OrleansSilo:ProbeTimeout", "00:00:01"),
            ("--OrleansSilo:MissedProbesLimit", "2"),
            // A 2 s directory lease after a silo is declared dead (10 s less 2 x Orleans's 4 s maximum probe timeout)
            // instead of 22 s: the kill tests wait for it before the lost silo's grains run again.
            ("--OrleansSilo:DirectoryLeaseDuration", "00:00:10"),
            ("--Tensors:Port", "0"),
        };
        var given = extraArgs.Select((a, i) => (a, i)).Where(p => p.i % 2 == 0).Select(p => p.a).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var arg in new[]
                 {
                     "--membership", "redis", "--redis", redis, "--name", name, "--bind", "127.0.0.1",
                     "--port", port.ToString(), "--http-port", httpPort.ToString(), "--cluster-id", clusterId,
                 }.Concat(orleansDefaults.Where(d => !given.Contains(d.Key)).SelectMany(d => new[] { d.Key, d.Value })).Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var gatewayIndex = Array.FindIndex(extraArgs, a => a.Equals("--OrleansSilo:GatewayPort", StringComparison.OrdinalIgnoreCase));
        if (gatewayIndex >= 0 && gatewayIndex + 1 < extraArgs.Length)
        {
            orleansGatewayPort = int.Parse(extraArgs[gatewayIndex + 1], CultureInfo.InvariantCulture);
        }

        info.Environment["ORRERY_Cluster__Secret"] = secret;

        info.Environment["ORRERY_Silo__ShutdownGracePeriod"] = "00:00:05";
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process, name, port, httpPort) { OrleansGatewayPort = orleansGatewayPort };
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (the silo is Active in its own view).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"silo {Name} exited with code {ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{HttpPort}/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"silo {Name} was not ready within {timeout.TotalSeconds}s:\n{Output}");
    }

    public async Task<int> HttpStatusAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return (int)(await http.GetAsync($"http://127.0.0.1:{HttpPort}{path}")).StatusCode;
    }

    public async Task<string> HttpGetAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync($"http://127.0.0.1:{HttpPort}{path}");
    }

    /// <summary>The process's resident memory (VmRSS of /proc/PID/status) in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>kill -9: no goodbye, no membership update.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as Kubernetes sends; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SysKill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async Task<int> WaitExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
