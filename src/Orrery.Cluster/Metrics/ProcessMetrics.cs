using System.Diagnostics;
using System.Globalization;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Process and runtime metrics under the names Prometheus client libraries use, written by the
/// exporter itself at scrape time rather than through a Meter (so other listeners in the process
/// do not see a meter per silo). Values are process-wide: every silo of a process reports the same.
/// </summary>
internal sealed class ProcessMetrics
{
    private const string FileDescriptorDirectory = "/proc/self/fd";
    private const string MemoryStatusFile = "/proc/self/statm";

    private readonly LastValueStream _cpuSeconds;
    private readonly LastValueStream _residentMemory;
    private readonly LastValueStream _virtualMemory;
    private readonly LastValueStream _startTime;
    private readonly LastValueStream _openFileDescriptors;
    private readonly LastValueStream _gcHeapSize;
    private readonly LastValueStream _gcCollections;
    private readonly LastValueStream _threadPoolThreads;
    private readonly KeyValuePair<string, object?>[][] _generationTags;
    private readonly double? _startTimeSeconds;

    public ProcessMetrics(ScrapeClock clock)
    {
        _cpuSeconds = Add(clock, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType.Counter);
        _residentMemory = Add(clock, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType.Gauge);
        _virtualMemory = Add(clock, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType.Gauge);
        _startTime = Add(clock, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType.Gauge);
        _openFileDescriptors = Add(clock, "process_open_fds", "Number of open file descriptors.", MetricType.Gauge);
        _gcHeapSize = Add(clock, "dotnet_gc_heap_size_bytes", "Bytes currently allocated on the managed heap (GC.GetTotalMemory without forcing a collection).", MetricType.Gauge);
        _gcCollections = Add(clock, "dotnet_gc_collections_total", "Garbage collections of each generation since the process started; a collection of generation n also collects the younger ones and counts for them.", MetricType.Counter);
        _threadPoolThreads = Add(clock, "dotnet_threadpool_threads", "Threads currently in the .NET thread pool.", MetricType.Gauge);
        _generationTags = [.. Enumerable.Range(0, GC.MaxGeneration + 1)
            .Select(g => new KeyValuePair<string, object?>[] { new("generation", g.ToString(CultureInfo.InvariantCulture)) })];
        _startTimeSeconds = ReadStartTime();
    }

    /// <summary>The families, to be registered with the exporter.</summary>
    public IEnumerable<MetricFamily> Families =>
    [
        _cpuSeconds.Family, _residentMemory.Family, _virtualMemory.Family, _startTime.Family,
        _openFileDescriptors.Family, _gcHeapSize.Family, _gcCollections.Family, _threadPoolThreads.Family,
    ];

    /// <summary>Reads the current values into the streams; called once per scrape.</summary>
    public void Record()
    {
        _cpuSeconds.Record(Environment.CpuUsage.TotalTime.TotalSeconds, []);
        if (!TryReadMemoryStatus(out var virtualBytes, out var residentBytes))
        {
            using var process = Process.GetCurrentProcess();
            virtualBytes = process.VirtualMemorySize64;
            residentBytes = process.WorkingSet64;
        }

        _residentMemory.Record(residentBytes, []);
        _virtualMemory.Record(virtualBytes, []);
        if (_startTimeSeconds is { } startTime)
        {
            _startTime.Record(startTime, []);
        }

        if (CountOpenFileDescriptors() is { } openFileDescriptors)
        {
            _openFileDescriptors.Record(openFileDescriptors, []);
        }

        _gcHeapSize.Record(GC.GetTotalMemory(forceFullCollection: false), []);
        for (var generation = 0; generation < _generationTags.Length; generation++)
        {
            _gcCollections.Record(GC.CollectionCount(generation), _generationTags[generation]);
        }

        _threadPoolThreads.Record(ThreadPool.ThreadCount, []);
    }

    private static LastValueStream Add(ScrapeClock clock, string name, string help, MetricType type)
    {
        var family = new MetricFamily(name, help, type, isExporterOwned: true);
        var stream = new LastValueStream(family, TagSet.Empty, clock) { InstrumentCount = 1 };
        family.Streams.Add(stream);
        return stream;
    }

    private static double? ReadStartTime()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }
        catch (Exception e) when (e is InvalidOperationException or PlatformNotSupportedException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Virtual and resident size from <c>/proc/self/statm</c> (in pages); false off Linux.</summary>
    private static bool TryReadMemoryStatus(out long virtualBytes, out long residentBytes)
    {
        virtualBytes = 0;
        residentBytes = 0;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var fields = File.ReadAllText(MemoryStatusFile).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2
                || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sizePages)
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var residentPages))
            {
                return false;
            }

            virtualBytes = sizePages * Environment.SystemPageSize;
            residentBytes = residentPages * Environment.SystemPageSize;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Entries of <c>/proc/self/fd</c> (the listing's own descriptor included, as in other clients); null where there is no such directory.</summary>
    private static int? CountOpenFileDescriptors()
    {
        if (!Directory.Exists(FileDescriptorDirectory))
        {
            return null;
        }

        try
        {
            var count = 0;
            foreach (var _ in Directory.EnumerateFileSystemEntries(FileDescriptorDirectory))
            {
                count++;
            }

            return count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
