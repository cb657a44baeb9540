using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Tests.Metrics;

/// <summary>
/// Checks the exporter's output with Prometheus' own linter, <c>promtool check metrics</c>. The
/// test command installs promtool (Debian package <c>prometheus</c>), so this test never skips.
/// </summary>
public sealed class PromtoolTests
{
    private static readonly TimeSpan PromtoolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Promtool_accepts_the_output_without_problems()
    {
        using var silo = new SiloMeters(new PrometheusExporterOptions());
        var grains = silo.CreateMeter("Orrery.Grains");
        grains.CreateCounter<long>("orrery_grain_calls", description: "Grain calls completed.")
            .Add(3, new("grain.type", "echo"), new("outcome", "ok"));
        grains.CreateHistogram<double>("orrery_grain_call_duration_seconds", unit: "s", description: "Grain call duration.")
            .Record(0.004, new KeyValuePair<string, object?>("grain", "echo\"\\\nx"));
        grains.CreateHistogram<long>("orrery_message_size_bytes", "By", "Message size.", null, new InstrumentAdvice<long> { HistogramBucketBoundaries = [64, 1024] })
            .Record(100, new KeyValuePair<string, object?>("le", "tag"));
        grains.CreateUpDownCounter<int>("orrery_grain_activations", description: "Active grains.").Add(2);
        grains.CreateGauge<double>("orrery_queue_depth", description: "Queue depth.").Record(double.NaN);
        var transport = silo.CreateMeter("Orrery.Transport");
        transport.CreateCounter<long>("orrery.transport.bytes_sent", description: "Bytes sent.").Add(1024);
        transport.CreateObservableGauge("orrery_transport_connections", () => new Measurement<int>(2, new KeyValuePair<string, object?>("peer", "s2")), description: "Open connections.");
        transport.CreateObservableCounter("orrery_transport_frames_received", () => 10L);
        var output = silo.Exporter.Collect();

        var (exitCode, stdout, stderr) = await RunPromtoolAsync(output);

        Assert.True(exitCode == 0 && stderr.Length == 0 && stdout.Length == 0, $"promtool check metrics exited {exitCode}\nstdout: {stdout}\nstderr: {stderr}\ninput:\n{output}");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunPromtoolAsync(string input)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"promtool is not on PATH ({e.Message}). The test command installs it: apt-get install -y prometheus (Debian package prometheus provides /usr/bin/promtool).");
            throw;
        }

        using (process)
        {
            Assert.NotNull(process);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(PromtoolTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"promtool check metrics did not finish within {PromtoolTimeout.TotalSeconds} s");
            }

            return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
        }
    }
}
