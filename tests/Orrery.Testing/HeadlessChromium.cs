using System.Diagnostics;

namespace Orrery.Testing;

/// <summary>
/// Debian's <c>chromium</c> in its own headless mode: the DOM of a page after its scripts ran for a while, and a
/// screenshot. Each call is a fresh browser with a throwaway profile (as root, Chromium needs <c>--no-sandbox</c>).
/// </summary>
public static class HeadlessChromium
{
    /// <summary>The page's DOM after <paramref name="scriptMilliseconds"/> of (virtual) time for its scripts.</summary>
    public static async Task<string> DumpDomAsync(string url, int scriptMilliseconds = 5000) =>
        await RunAsync(url, $"--virtual-time-budget={scriptMilliseconds}", "--dump-dom");

    /// <summary>Writes a PNG of the page, <paramref name="width"/> x <paramref name="height"/>, to <paramref name="path"/>.</summary>
    public static async Task ScreenshotAsync(string url, string path, int width = 1400, int height = 1000, int scriptMilliseconds = 5000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await RunAsync(url, $"--virtual-time-budget={scriptMilliseconds}", $"--window-size={width},{height}", $"--screenshot={Path.GetFullPath(path)}");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"chromium wrote no screenshot of {url} to {path}");
        }
    }

    /// <summary>
    /// One browser run, and a second, fresh one when the first hangs: headless Chromium with a virtual-time budget now
    /// and then never exits on a page that keeps polling (the dashboard's), which says nothing about the page.
    /// </summary>
    private static async Task<string> RunAsync(string url, params string[] arguments)
    {
        try
        {
            return await RunOnceAsync(url, arguments);
        }
        catch (TimeoutException)
        {
            return await RunOnceAsync(url, arguments);
        }
    }

    private static async Task<string> RunOnceAsync(string url, string[] arguments)
    {
        var profile = Directory.CreateTempSubdirectory("orrery-chromium-");
        try
        {
            var info = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.FullName}", .. arguments, url])
            {
                info.ArgumentList.Add(argument);
            }

            Process browser;
            try
            {
                browser = Process.Start(info)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("chromium not found; the test command (scripts/test.sh) installs Debian 'chromium'", e);
            }

            using var _ = browser;
            var stdout = browser.StandardOutput.ReadToEndAsync();
            var stderr = browser.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await browser.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                browser.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish with {url} within 60 s");
            }

            return browser.ExitCode == 0
                ? await stdout
                : throw new InvalidOperationException($"chromium exited {browser.ExitCode} on {url}: {(await stderr).Trim()}");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
