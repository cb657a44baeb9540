using System.Buffers;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Exposes the instruments of one silo in the Prometheus text exposition format 0.0.4.
/// </summary>
/// <remarks>
/// <para>
/// <b>Which instruments.</b> Several silos can share a process (the embedded demo cluster,
/// tests), each with its own <see cref="IMeterFactory"/>. A meter created through a factory has
/// <see cref="Meter.Scope"/> set to that factory, so the exporter listens only to instruments
/// whose meter's scope is the very object passed as <c>meterScope</c> (reference equality) and
/// whose meter name starts with <see cref="PrometheusExporterOptions.MeterNamePrefix"/>
/// (<c>Orrery</c> by default).
/// </para>
/// <para>
/// <b>Naming.</b> The instrument name is the Prometheus base name: name instruments
/// <c>orrery_grain_calls</c>, <c>orrery_grain_call_duration_seconds</c>,
/// <c>orrery_transport_bytes_sent</c>, with the unit in the name. Characters outside
/// <c>[a-zA-Z0-9_:]</c> become <c>_</c> (<c>orrery.grain.calls</c> is exposed as
/// <c>orrery_grain_calls</c>) and a leading digit gets a <c>_</c> in front. The exporter adds
/// <c>_total</c> to the names of <see cref="Counter{T}"/> and <see cref="ObservableCounter{T}"/>
/// unless they already end in <c>_total</c>, and nothing else: <see cref="Instrument.Unit"/> is not
/// appended. The description becomes <c># HELP</c> (a generated text when there is none).
/// </para>
/// <para>
/// <b>Types.</b> Counter and ObservableCounter are counters; UpDownCounter, ObservableUpDownCounter,
/// Gauge and ObservableGauge are gauges; Histogram is a histogram with cumulative
/// <c>_bucket{le="..."}</c> series ending at <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>.
/// Bucket bounds come from the instrument's advice (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>),
/// else from <see cref="PrometheusExporterOptions.HistogramBucketBoundaries"/>, else 16 bounds
/// from 0.1 ms to 10 s. Counter and UpDownCounter sum their measurements (negative adds to a
/// Counter are dropped); Gauge keeps the last value; observable instruments are read at scrape
/// time and a series appears only while its callback reports it.
/// </para>
/// <para>
/// <b>Labels.</b> Meter tags, instrument tags and measurement tags become labels (a measurement
/// tag overrides a constant tag of the same name). Tag keys are sanitised to <c>[a-zA-Z0-9_]</c>;
/// a key that is empty, starts with a digit or <c>__</c>, or is <c>le</c> on a histogram gets
/// the prefix <c>tag_</c>. Values are formatted with the invariant culture (booleans as
/// <c>true</c>/<c>false</c>, null as empty). Measurements with the same labels in any order
/// aggregate into one series.
/// </para>
/// <para>
/// <b>Conflicts.</b> Instruments that map to the same name and type share the family; with the same
/// constant labels they also share series. An instrument whose name is taken by a family of another
/// type, by a stream of another aggregation, or by a process metric is not exported.
/// </para>
/// <para>
/// Families are written once each, sorted by name, with <c># HELP</c> and <c># TYPE</c> first;
/// series within a family are sorted by labels. A family with no series yet is left out.
/// Recording is lock-free for counters and gauges and takes one uncontended per-series lock for
/// histograms; it allocates only on the first measurement of a new label set. Scrapes are
/// serialised. The instance is thread-safe.
/// </para>
/// </remarks>
public sealed partial class PrometheusExporter : IDisposable
{
    /// <summary>The HTTP content type of the output: <c>text/plain; version=0.0.4; charset=utf-8</c>.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Typical scrape of one silo is a few KiB; the buffer grows as needed.
    private const int InitialBufferBytes = 16 * 1024;

    private readonly object _meterScope;
    private readonly PrometheusExporterOptions _options;
    private readonly ScrapeClock _clock = new();
    private readonly ProcessMetrics? _processMetrics;
    private readonly Lock _scrapeLock = new();
    private readonly Lock _registryLock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly MeterListener _listener;
    private bool _disposed;

    /// <summary>Starts listening to the instruments of one meter scope.</summary>
    /// <param name="meterScope">
    /// The object meters are scoped to, normally the silo's <see cref="IMeterFactory"/>; only
    /// instruments whose <see cref="Meter.Scope"/> is this very object are exported.
    /// </param>
    /// <param name="options">Options; <see langword="null"/> means all defaults.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public PrometheusExporter(object meterScope, PrometheusExporterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(meterScope);
        options ??= new PrometheusExporterOptions();
        options.Validate();
        _meterScope = meterScope;
        _options = options;

        if (options.IncludeProcessMetrics)
        {
            _processMetrics = new ProcessMetrics(_clock);
            foreach (var family in _processMetrics.Families)
            {
                _families.Add(family.Name, family);
            }
        }

        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<byte>(OnMeasurement);
        _listener.SetMeasurementEventCallback<short>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<float>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<decimal>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>
    /// Reads the observable instruments and writes every metric family, as UTF-8 text in the
    /// format of <see cref="ContentType"/>, to <paramref name="output"/> (for example an
    /// <c>HttpResponse.BodyWriter</c>; flushing is the caller's).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The exporter has been disposed.</exception>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_scrapeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var generation = _clock.Advance();
            _listener.RecordObservableInstruments();
            _processMetrics?.Record();

            var families = SnapshotFamilies();
            var writer = new PrometheusTextWriter(output);
            foreach (var (family, help, streams) in families)
            {
                var series = 0;
                foreach (var stream in streams)
                {
                    series += stream.PrepareScrape(generation);
                }

                if (series == 0)
                {
                    continue;
                }

                writer.WriteHeader(family.Name, help, family.Type);
                foreach (var stream in streams)
                {
                    stream.WriteSamples(writer);
                }
            }
        }
    }

    /// <summary>Writes the same text as <see cref="WriteTo(IBufferWriter{byte})"/> to a stream, in one write.</summary>
    /// <exception cref="ObjectDisposedException">The exporter has been disposed.</exception>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(InitialBufferBytes);
        WriteTo(buffer);
        output.Write(buffer.WrittenSpan);
    }

    /// <summary>
    /// Collects synchronously, then writes the text to <paramref name="output"/> asynchronously
    /// (ASP.NET Core response bodies do not allow synchronous writes by default).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The exporter has been disposed.</exception>
    public async Task WriteToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(InitialBufferBytes);
        WriteTo(buffer);
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The text of one scrape as a string; for tests and diagnostics.</summary>
    /// <exception cref="ObjectDisposedException">The exporter has been disposed.</exception>
    public string Collect()
    {
        var buffer = new ArrayBufferWriter<byte>(InitialBufferBytes);
        WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Stops listening; later writes throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_scrapeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _listener.Dispose();
    }

    /// <summary>
    /// The hot path: hands a measurement to the stream enabled for its instrument. The type tests
    /// are constants in each instantiation, so the JIT leaves one call.
    /// </summary>
    private static void OnMeasurement<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct
    {
        if (state is not MetricStream stream)
        {
            return;
        }

        if (typeof(T) == typeof(long))
        {
            stream.Record(Unsafe.As<T, long>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(int))
        {
            stream.Record((long)Unsafe.As<T, int>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(short))
        {
            stream.Record((long)Unsafe.As<T, short>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(byte))
        {
            stream.Record((long)Unsafe.As<T, byte>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(double))
        {
            stream.Record(Unsafe.As<T, double>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(float))
        {
            stream.Record((double)Unsafe.As<T, float>(ref measurement), tags);
        }
        else if (typeof(T) == typeof(decimal))
        {
            stream.Record((double)Unsafe.As<T, decimal>(ref measurement), tags);
        }
    }

    private List<(MetricFamily Family, string Help, MetricStream[] Streams)> SnapshotFamilies()
    {
        List<(MetricFamily Family, string Help, MetricStream[] Streams)> snapshot;
        lock (_registryLock)
        {
            snapshot = new(_families.Count);
            foreach (var family in _families.Values)
            {
                snapshot.Add((family, family.Help, [.. family.Streams]));
            }
        }

        snapshot.Sort(static (a, b) => string.CompareOrdinal(a.Family.Name, b.Family.Name));
        foreach (var (_, _, streams) in snapshot)
        {
            Array.Sort(streams, static (a, b) => a.ConstantLabels.CompareTo(b.ConstantLabels));
        }

        return snapshot;
    }
}
