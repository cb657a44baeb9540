using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Orrery.Testing;

/// <summary>A running <c>orrery</c> client process whose output can be watched while it runs and that can be sent a signal.</summary>
public sealed partial class ClientProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private ClientProcess(Process process) => _process = process;

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

    /// <summary>Starts the built client with <paramref name="args"/>, its output redirected (so it is not a terminal).</summary>
    public static ClientProcess Start(params string[] args)
    {
        // Through env --default-signal=INT: a test run started as a background job of a non-interactive shell (nohup
        // ... &) inherits SIGINT ignored, .NET then leaves it ignored in the client as POSIX asks, and a test's Ctrl-C
        // would go unheard. The client must start as from a terminal, with SIGINT at its default.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Executables.Client);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["COLUMNS"] = "200";
        var client = new ClientProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start env --default-signal=INT dotnet"));
        client._process.OutputDataReceived += (_, e) => client.Append(e.Data);
        client._process.ErrorDataReceived += (_, e) => client.Append(e.Data);
        client._process.BeginOutputReadLine();
        client._process.BeginErrorReadLine();
        return client;
    }

    /// <summary>The first output line that <paramref name="match"/> accepts (lines already written included), within <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var earlier = _output.ToString().Split('\n').FirstOrDefault(match);
            if (earlier is not null)
            {
                return earlier;
            }

            _waiters.Add((match, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the client wrote no such line within {timeout.TotalSeconds} s (exited: {_process.HasExited}):\n{Output}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> (2: SIGINT, as Ctrl-C does; 15: SIGTERM).</summary>
    public void Signal(int signal)
    {
        if (SysKill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async Task<int> WaitExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the client did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }

        _process.WaitForExit(); // the rest of the redirected output
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
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
