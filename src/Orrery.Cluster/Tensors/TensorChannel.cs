using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// A silo's tensor store and the framed TCP channel that serves it: grains <see cref="Put{T}"/> arrays and pass the
/// <see cref="TensorRef"/> inside ordinary Orleans messages; holders <see cref="FetchAsync{T}"/> the bytes from the
/// owner (received straight into the array they keep, one kernel-to-user copy) or read the stored array in place
/// when the owner is this silo; <see cref="PushAsync{T}"/> stores an array in another silo's store. Every
/// connection proves the cluster secret (HMAC-SHA256 over fresh nonces, both ways) before a frame is read.
/// Transfers are multiplexed over <see cref="TensorChannelOptions.ConnectionsPerPeer"/> connections per peer, both
/// directions at once.
/// </summary>
public sealed partial class TensorChannel : IAsyncDisposable
{
    /// <summary>
    /// The largest tensor the channel stores or moves, in bytes: <see cref="Array.MaxLength"/>, the largest byte array
    /// .NET allocates (a fetch receives into one array, and frame payload lengths are handled as <see cref="int"/>).
    /// Puts, pushes and fetches over it are refused at once with an <see cref="ArgumentException"/> naming it; exactly
    /// this many bytes are allowed.
    /// </summary>
    public const long MaxTensorBytes = 0x7FFFFFC7;

    // Tensor requests are a few dozen bytes; anything larger in the message part of a frame is garbage.
    private const int MaxMessageBytes = 64 * 1024;

    private readonly TensorChannelOptions _options;
    private readonly TensorChannelIdentity _identity;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly TransportMetrics _transportMetrics;
    private readonly Counter<long> _transfers;
    private readonly Histogram<double> _transferDuration;
    private readonly Counter<long> _storeRefusals;
    private readonly ConnectionManager _connections;
    private readonly TransportListener _listener;
    private readonly FrameHandler _handler;
    private int _started;
    private int _disposed;

    /// <summary>Binds the channel's port at once (so <see cref="Endpoint"/> is known); <see cref="Start"/> begins serving.</summary>
    public TensorChannel(TensorChannelOptions options, TensorChannelIdentity identity, ILoggerFactory loggerFactory, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (string.IsNullOrEmpty(options.Secret))
        {
            throw new ArgumentException("Tensors:Secret is not set; every tensor channel connection proves it", nameof(options));
        }

        _options = options;
        _identity = identity;
        _logger = loggerFactory.CreateLogger<TensorChannel>();
        _meter = meterFactory?.Create(TensorMetricNames.MeterName) ?? new Meter(TensorMetricNames.MeterName);
        _transportMetrics = new TransportMetrics(
            _meter, TensorMetricNames.BytesSent, TensorMetricNames.BytesReceived, TensorMetricNames.FramesSent,
            TensorMetricNames.FramesReceived, TensorMetricNames.HandshakeFailures, "tensor channel");
        _transfers = _meter.CreateCounter<long>(TensorMetricNames.Transfers, "{transfer}", "Tensor fetches and pushes by direction (fetch, push), where (local, remote) and outcome.");
        _transferDuration = _meter.CreateHistogram<double>(
            TensorMetricNames.TransferDuration, "s", "Time of remote tensor fetches and pushes, request to last byte.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _storeRefusals = _meter.CreateCounter<long>(TensorMetricNames.StoreRefusals, "{tensor}", "Puts and pushes refused because the store was at Tensors:MaxStoreBytes.");

        Store = new TensorStore(options, $"silo '{identity.Name}'");
        _meter.CreateObservableGauge(TensorMetricNames.StoreBytes, () => Store.UsedBytes, "By", "Bytes held in this silo's tensor store.");
        _meter.CreateObservableGauge(TensorMetricNames.StoreTensors, () => Store.Count, "{tensor}", "Tensors held in this silo's tensor store.");
        _meter.CreateObservableGauge(TensorMetricNames.StoreCapacity, () => Store.CapacityBytes, "By", "The tensor store's cap (Tensors:MaxStoreBytes).");

        var transportIdentity = new TransportIdentity(
            options.ClusterId, Encoding.UTF8.GetBytes(options.Secret), "silo", identity.Name, identity.Generation, MaxMessageBytes, MaxTensorBytes, options.Dscp);
        _handler = new FrameHandler(this);
        _connections = new ConnectionManager(transportIdentity, _handler, _transportMetrics, _logger, options.ConnectionsPerPeer, options.ConnectTimeout);
        Socket socket;
        try
        {
            socket = TransportListener.Bind(new IPEndPoint(IPAddress.Parse(options.BindAddress), options.Port));
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"cannot listen on {options.BindAddress}:{options.Port} for the tensor channel: {e.InnerException?.Message ?? e.Message} (Tensors:Port, Tensors:BindAddress)", e);
        }

        _listener = new TransportListener(socket, transportIdentity, _handler, _transportMetrics, _connections, _logger, options.ConnectTimeout);
        Endpoint = $"{options.AdvertisedHost}:{_listener.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>This channel's endpoint as other members dial it, <c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>This process's channel generation.</summary>
    public long Generation => _identity.Generation;

    /// <summary>The tensors this silo holds.</summary>
    public TensorStore Store { get; }

    /// <summary>Open channel connections, inbound and outbound.</summary>
    public int OpenConnections => _connections.OpenConnections;

    /// <summary>Starts accepting connections. Fetches and pushes this channel makes itself work without it.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _listener.Start();
            LogStarted(Endpoint, _identity.Generation, Store.CapacityBytes);
        }
    }

    /// <summary>
    /// Stores <paramref name="data"/> in this silo's store and returns its ref. The store keeps the array itself,
    /// so the caller must not write to it afterwards. Throws <see cref="TensorStoreFullException"/> when it does not fit.
    /// </summary>
    public TensorRef Put<T>(T[] data, TensorLifetime lifetime = default)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var elementType = TensorRef.ElementTypeOf<T>();
        var byteLength = (long)data.Length * TensorRef.ElementSize(elementType);
        CheckSize(data.LongLength, elementType, $"a put of {data.LongLength} x {elementType}");
        ulong id;
        try
        {
            id = Store.Add(data, byteLength, elementType, lifetime);
        }
        catch (TensorStoreFullException)
        {
            _storeRefusals.Add(1);
            throw;
        }

        return new TensorRef
        {
            Endpoint = Endpoint,
            Generation = _identity.Generation,
            Id = id,
            Length = data.Length,
            ElementType = elementType,
            Owner = _identity.Silo,
        };
    }

    /// <summary>Refuses a tensor over <see cref="MaxTensorBytes"/> before anything is stored, sent or allocated.</summary>
    private static void CheckSize(long elements, TensorElementType elementType, string what)
    {
        var size = TensorRef.ElementSize(elementType);
        if (elements < 0 || elements > MaxTensorBytes / size)
        {
            var bytes = elements < 0 ? "a negative length" : $"{(UInt128)(ulong)elements * (ulong)size:N0} bytes";
            throw new ArgumentException($"{what} is {bytes}; a tensor holds at most TensorChannel.MaxTensorBytes = {MaxTensorBytes:N0} bytes (split it into several)");
        }
    }

    /// <summary>True when <paramref name="tensor"/> is held by this process's store.</summary>
    public bool IsLocal(TensorRef tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Generation == _identity.Generation && string.Equals(tensor.Endpoint, Endpoint, StringComparison.Ordinal);
    }

    /// <summary>
    /// The elements of <paramref name="tensor"/>. From this silo's own store the stored array itself is returned, not
    /// a copy: treat it as read-only. From another silo the bytes are received straight into a new array. Throws
    /// <see cref="TensorNotFoundException"/>, <see cref="TensorOwnerUnavailableException"/> or <see cref="TimeoutException"/>.
    /// </summary>
    public Task<T[]> FetchAsync<T>(TensorRef tensor, CancellationToken cancellationToken = default)
        where T : unmanaged =>
        FetchCoreAsync<T>(tensor, null, 0, cancellationToken);

    /// <summary>
    /// Fetches <paramref name="tensor"/> into the first <see cref="TensorRef.Length"/> elements of <paramref name="destination"/>,
    /// which the caller keeps and may reuse for the next fetch: a reused array's pages are already mapped, where a new
    /// one's first touch costs a page fault per 4 KiB (0.2-0.3 GB/s on the 2-core build VM, bench/results/runtime.md
    /// section 3). From the owner's own silo the stored elements are copied in. Errors as <see cref="FetchAsync{T}"/>.
    /// A fetch that fails (its deadline, its cancellation, a lost owner) has stopped writing into
    /// <paramref name="destination"/> by the time it throws, so the array may be reused at once; its contents are then
    /// undefined (part of the tensor may have arrived). The connection reads the rest of an abandoned payload into
    /// scratch memory and stays usable.
    /// </summary>
    public Task FetchIntoAsync<T>(TensorRef tensor, T[] destination, CancellationToken cancellationToken = default)
        where T : unmanaged =>
        FetchIntoAsync(tensor, destination, 0, cancellationToken);

    /// <summary>
    /// As <see cref="FetchIntoAsync{T}(TensorRef, T[], CancellationToken)"/>, into the <see cref="TensorRef.Length"/>
    /// elements of <paramref name="destination"/> from <paramref name="offset"/> on (one peer's rows of a larger array);
    /// the elements outside them are never written.
    /// </summary>
    public async Task FetchIntoAsync<T>(TensorRef tensor, T[] destination, int offset, CancellationToken cancellationToken = default)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(destination);
        if (offset < 0 || offset > destination.Length || destination.Length - offset < tensor.Length)
        {
            throw new ArgumentException($"{tensor} holds {tensor.Length} elements; the destination has room for {Math.Max(0, destination.Length - Math.Max(offset, 0))} from element {offset}", nameof(destination));
        }

        var fetched = await FetchCoreAsync(tensor, destination, offset, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(fetched, destination))
        {
            fetched.AsSpan(0, checked((int)tensor.Length)).CopyTo(destination.AsSpan(offset));
        }
    }

    private async Task<T[]> FetchCoreAsync<T>(TensorRef tensor, T[]? into, int offset, CancellationToken cancellationToken)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var elementType = TensorRef.ElementTypeOf<T>();
        CheckSize(tensor.Length, tensor.ElementType, $"a fetch of {tensor}");
        if (elementType != tensor.ElementType)
        {
            throw new ArgumentException($"{tensor} holds {tensor.ElementType} elements; it cannot be fetched as {typeof(T).Name}", nameof(tensor));
        }

        if (IsLocal(tensor))
        {
            if (!Store.TryRead(tensor.Id, out var data, out _))
            {
                _transfers.Add(1, Tag("fetch", "local", "not_found"));
                throw NotFound(tensor);
            }

            _transfers.Add(1, Tag("fetch", "local", "ok"));
            return data as T[] ?? CopyAs<T>(data, tensor.Length);
        }

        var start = Stopwatch.GetTimestamp();
        var connection = await ConnectAsync(tensor.Endpoint, tensor.Generation, tensor.ToString(), cancellationToken).ConfigureAwait(false);
        T[] destination = into ?? (tensor.Length == 0 ? [] : null!);
        var frame = await CallAsync(
            connection,
            new FrameHeader { Kind = FrameKind.TensorFetch },
            new TensorFetchRequest { Id = tensor.Id, Generation = tensor.Generation },
            default,
            tensor,
            length =>
            {
                if (length != tensor.ByteLength)
                {
                    throw new BadRequestException($"{connection.Description} answered a fetch of {tensor} with {length} bytes; {tensor.ByteLength} were expected");
                }

                if (into is null)
                {
                    // A new array the caller keeps, so its pages are fresh until the GC heap has grown to hold the
                    // arrays in flight and reuses them: 4 KiB faults cost 0.2-0.3 GB/s on the 2-core build VM, huge
                    // pages 0.4-4 GB/s (bench/results/runtime.md, section 3). FetchIntoAsync avoids them.
                    destination = GC.AllocateUninitializedArray<T>(checked((int)tensor.Length));
                    TransparentHugePages.Advise(destination);
                }

                var from = checked(offset * Unsafe.SizeOf<T>());
                return ArrayByteMemory<T>.Of(destination)[from..(from + length)];
            },
            cancellationToken).ConfigureAwait(false);
        if (frame.Header.Status == CallStatus.NotFound)
        {
            _transfers.Add(1, Tag("fetch", "remote", "not_found"));
            throw new TensorNotFoundException(frame.Header.Error);
        }

        ThrowIfFailed(frame, tensor);
        if (frame.Payload.Length != tensor.ByteLength)
        {
            throw new BadRequestException($"{connection.Description} answered a fetch of {tensor} with {frame.Payload.Length} bytes; {tensor.ByteLength} were expected");
        }

        _transfers.Add(1, Tag("fetch", "remote", "ok"));
        _transferDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("direction", "fetch"));
        return destination;
    }

    /// <summary>
    /// Stores <paramref name="data"/> in the store of the silo whose channel is at <paramref name="endpoint"/> and returns
    /// the ref it gave. Throws <see cref="TensorStoreFullException"/> when it does not fit there.
    /// </summary>
    public async Task<TensorRef> PushAsync<T>(string endpoint, T[] data, TensorLifetime lifetime = default, CancellationToken cancellationToken = default)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var elementType = TensorRef.ElementTypeOf<T>();
        if (string.Equals(endpoint, Endpoint, StringComparison.Ordinal))
        {
            return Put((T[])data.Clone(), lifetime);
        }

        var description = $"push of {data.Length} x {elementType} to {endpoint}";
        CheckSize(data.LongLength, elementType, "a " + description);
        var start = Stopwatch.GetTimestamp();
        var connection = await ConnectAsync(endpoint, 0, description, cancellationToken).ConfigureAwait(false);
        var frame = await CallAsync(
            connection,
            new FrameHeader { Kind = FrameKind.TensorPush },
            new TensorPushRequest
            {
                ElementType = (int)elementType,
                TimeToLiveMs = (long)(lifetime.TimeToLive?.TotalMilliseconds ?? 0),
                MaxReads = lifetime.MaxReads,
            },
            ArrayByteMemory<T>.Of(data),
            description,
            null,
            cancellationToken).ConfigureAwait(false);
        if (frame.Header.Status == CallStatus.StoreFull)
        {
            _transfers.Add(1, Tag("push", "remote", "store_full"));
            throw new TensorStoreFullException(frame.Header.Error);
        }

        ThrowIfFailed(frame, description);
        var reply = TensorPushReply.Parser.ParseFrom(frame.Message);
        _transfers.Add(1, Tag("push", "remote", "ok"));
        _transferDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("direction", "push"));
        return new TensorRef
        {
            Endpoint = endpoint,
            Generation = reply.Generation,
            Id = reply.Id,
            Length = data.Length,
            ElementType = elementType,
        };
    }

    /// <summary>
    /// Drops <paramref name="tensor"/> from its owner's store; false when the owner no longer held it. A ref to an
    /// owner that is gone gives <see cref="TensorOwnerUnavailableException"/> (its memory went with it).
    /// </summary>
    public async Task<bool> ReleaseAsync(TensorRef tensor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (IsLocal(tensor))
        {
            return Store.Release(tensor.Id);
        }

        var connection = await ConnectAsync(tensor.Endpoint, tensor.Generation, tensor.ToString(), cancellationToken).ConfigureAwait(false);
        var frame = await CallAsync(
            connection,
            new FrameHeader { Kind = FrameKind.TensorRelease },
            new TensorReleaseRequest { Id = tensor.Id, Generation = tensor.Generation },
            default,
            tensor,
            null,
            cancellationToken).ConfigureAwait(false);
        if (frame.Header.Status == CallStatus.NotFound)
        {
            return false;
        }

        ThrowIfFailed(frame, tensor);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
        await _connections.DisposeAsync().ConfigureAwait(false);
        Store.Dispose();
        _meter.Dispose();
    }

    private async Task<Connection> ConnectAsync(string endpoint, long generation, object what, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"{what}: '{endpoint}' is not a tensor channel endpoint (host:port)", nameof(endpoint));
        }

        try
        {
            return await _connections.GetAsync(endpoint[..colon], port, generation, cancellationToken).ConfigureAwait(false);
        }
        catch (SiloUnavailableException e)
        {
            throw new TensorOwnerUnavailableException($"{what}: the owner is unavailable: {e.Message}", e);
        }
    }

    private async Task<InboundFrame> CallAsync(
        Connection connection, FrameHeader header, Google.Protobuf.IMessage message, ReadOnlyMemory<byte> payload, object description,
        Func<int, Memory<byte>>? responsePayload, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)_options.TransferTimeout.TotalMilliseconds;
        var call = connection.SendRequest(header, message, payload, deadline, description, responsePayload);
        try
        {
            try
            {
                return await call.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Given up (cancelled, past the deadline, connection lost): once this returns, the connection writes
                // nothing more into the caller's destination, so a FetchIntoAsync caller may reuse it at once.
                await call.AbandonAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (SiloUnavailableException e)
        {
            throw new TensorOwnerUnavailableException($"{description}: the owner is unavailable: {e.Message}", e);
        }
        catch (GrainCallTimeoutException e)
        {
            throw new TimeoutException($"{description}: no answer from {connection.Description} within Tensors:TransferTimeout ({_options.TransferTimeout.TotalSeconds}s)", e);
        }
    }

    private static void ThrowIfFailed(InboundFrame frame, object description)
    {
        switch (frame.Header.Status)
        {
            case CallStatus.Ok:
                return;
            case CallStatus.NotFound:
                throw new TensorNotFoundException(frame.Header.Error);
            case CallStatus.StoreFull:
                throw new TensorStoreFullException(frame.Header.Error);
            case CallStatus.PayloadTooLarge:
                throw new PayloadTooLargeException($"{description}: {frame.Header.Error}");
            default:
                throw new BadRequestException($"{description}: the owner refused it ({frame.Header.Status}): {frame.Header.Error}");
        }
    }

    private TensorNotFoundException NotFound(TensorRef tensor) =>
        new($"{tensor}: silo '{_identity.Name}' holds no such tensor; it was released, expired, read its permitted number of times, or never put");

    private static T[] CopyAs<T>(Array data, long length)
        where T : unmanaged
    {
        // A pushed tensor is stored as the bytes it arrived in; a local reader of another type gets a typed copy.
        var bytes = (byte[])data;
        var copy = GC.AllocateUninitializedArray<T>(checked((int)length));
        bytes.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(copy.AsSpan()));
        return copy;
    }

    private static TagList Tag(string direction, string location, string outcome) =>
        new() { { "direction", direction }, { "location", location }, { "outcome", outcome } };
}
