using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Orrery.Deploy.Tests;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) on a free loopback port with a temporary storage
/// directory, scraping the given targets every second and evaluating the given rule file.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    // Prometheus 2.42 opens its TSDB and answers /-/ready in about a second on the 2-core machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _directory;
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;

    private PrometheusServer(DirectoryInfo directory, Process process, int port)
    {
        _directory = directory;
        _process = process;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts Prometheus scraping <paramref name="targets"/> (host:port of /metrics) as job
    /// <paramref name="job"/> with the extra target labels given, and loading <paramref name="rules"/>
    /// (the text of a rule file) when given.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string job, IReadOnlyList<string> targets, IReadOnlyDictionary<string, string> labels, string? rules)
    {
        var directory = Directory.CreateTempSubdirectory("orrery-prometheus-");
        var config = new StringBuilder();
        config.AppendLine("global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}");
        if (rules is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "rules.yaml"), rules);
            config.AppendLine("rule_files: [rules.yaml]");
        }

        config.AppendLine("scrape_configs:");
        config.AppendLine($"  - job_name: {job}");
        config.AppendLine("    static_configs:");
        config.AppendLine($"      - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]");
        config.AppendLine($"        labels: {{{string.Join(", ", labels.Select(l => $"{l.Key}: '{l.Value}'"))}}}");
        var configPath = Path.Combine(directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());

        // Another process can take the free port before Prometheus binds it: three tries.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var process = ExternalTool.Start("prometheus",
            [
                $"--config.file={configPath}",
                $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]);
            var server = new PrometheusServer(directory, process, port);
            if (await server.WaitReadyAsync())
            {
                return server;
            }

            var log = server.Log;
            await server.StopAsync();
            if (attempt == 3)
            {
                directory.Delete(recursive: true);
                throw new InvalidOperationException($"prometheus did not become ready on port {port}:\n{log}\nconfig:\n{config}");
            }
        }
    }

    /// <summary>GET of an API path, parsed; fails unless Prometheus answers status "success".</summary>
    public async Task<JsonNode> GetAsync(string pathAndQuery)
    {
        var text = await _http.GetStringAsync(pathAndQuery);
        var reply = JsonNode.Parse(text)!;
        if (reply["status"]?.ToString() != "success")
        {
            throw new InvalidOperationException($"prometheus answered {text} to {pathAndQuery}");
        }

        return reply["data"]!;
    }

    /// <summary>An instant query; the result vector.</summary>
    public async Task<JsonArray> QueryAsync(string expr) =>
        (await GetAsync($"/api/v1/query?query={Uri.EscapeDataString(expr)}"))["result"]!.AsArray();

    /// <summary>An instant query expected to give one sample (or none); its value.</summary>
    public async Task<double?> ScalarAsync(string expr)
    {
        var result = await QueryAsync(expr);
        return result.Count == 0 ? null : double.Parse(result[0]!["value"]![1]!.ToString(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task<bool> WaitReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout && !_process.HasExited)
        {
            try
            {
                if ((await _http.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
