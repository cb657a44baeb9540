using System.Diagnostics;

namespace Orrery.Testing;

/// <summary>Prometheus's own <c>promtool</c>, the judge of what <c>/metrics</c> serves.</summary>
public static class Promtool
{
    /// <summary>Runs <c>promtool check metrics</c> over <paramref name="metrics"/>: its exit code and everything it printed (problems and lint).</summary>
    public static async Task<(int Code, string Output)> CheckMetricsAsync(string metrics)
    {
        var info = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process promtool;
        try
        {
            promtool = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool not found; the test command (scripts/test.sh) installs Debian 'prometheus'", e);
        }

        using var _ = promtool;
        await promtool.StandardInput.WriteAsync(metrics);
        promtool.StandardInput.Close();
        var stdout = promtool.StandardOutput.ReadToEndAsync();
        var stderr = await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        return (promtool.ExitCode, (await stdout + stderr).Trim());
    }
}
