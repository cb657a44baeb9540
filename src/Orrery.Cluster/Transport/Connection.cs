using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using Orrery.Cluster.Errors;

namespace Orrery.Cluster.Transport;

/// <summary>
/// One authenticated transport connection. Calls are multiplexed by correlation id; a single
/// write loop coalesces queued frames into few socket writes; a single read loop parses frames
/// from a 1 MiB pipe buffer and reads large payloads straight from the socket into their
/// destination arrays (one kernel-to-user copy, no per-element work).
/// </summary>
internal sealed class Connection
{
    /// <summary>Payloads at least this large bypass the pipe buffers in both directions.</summary>
    internal const int DirectPayloadThreshold = 64 * 1024;
    private const int PipeSegmentBytes = 1 << 20;
    private const int MaxHeaderBytes = 1 << 20;
    private const int FlushThresholdBytes = 512 * 1024;

    /// <summary>The most bytes a large payload's read waits to have in the socket before it wakes (SO_RCVLOWAT).</summary>
    private const int PayloadReadChunk = 256 * 1024;

    /// <summary>False once the platform refused a receive low-water mark (not Linux): payload reads then take what is there.</summary>
    private static bool _lowWaterMarks = OperatingSystem.IsLinux();

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<OutgoingFrame> _sendQueue;
    private readonly ConcurrentDictionary<ulong, PendingCall> _pending = new();
    private readonly IFrameHandler _handler;
    private readonly TransportMetrics _metrics;
    private readonly int _maxMessageBytes;
    private readonly long _maxPayloadBytes;
    private readonly CancellationTokenSource _closing = new();
    private ulong _nextCorrelationId;
    private int _lowWater = 1;
    private int _closed;
    private bool _refusing;

    public Connection(
        Socket socket, NetworkStream stream, IFrameHandler handler, TransportMetrics metrics,
        int maxMessageBytes, long maxPayloadBytes, string description)
    {
        _socket = socket;
        _stream = stream;
        _handler = handler;
        _metrics = metrics;
        _maxMessageBytes = maxMessageBytes;
        _maxPayloadBytes = maxPayloadBytes;
        Description = description;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: PipeSegmentBytes, minimumReadSize: 64 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        _sendQueue = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    }

    /// <summary>The peer for logs and errors, e.g. <c>silo b (127.0.0.1:40123)</c>.</summary>
    public string Description { get; }

    /// <summary>Name of the silo at the far end (outbound connections), or the caller's name (inbound).</summary>
    public string PeerName { get; init; } = "";

    /// <summary>Generation of the silo at the far end; 0 on inbound connections.</summary>
    public long PeerGeneration { get; init; }

    /// <summary>Largest message the peer accepts (learned in the handshake).</summary>
    public long PeerMaxMessageBytes { get; init; } = int.MaxValue;

    /// <summary>Largest payload the peer accepts (learned in the handshake).</summary>
    public long PeerMaxPayloadBytes { get; init; } = long.MaxValue;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Requests sent on this connection and still unanswered.</summary>
    public int PendingCount => _pending.Count;

    public void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Sends a request; the task completes with the response frame, or faults with a typed error.
    /// <paramref name="description"/> names the call in error messages; it is formatted (ToString) only
    /// when an error needs it, so hot callers pass an object instead of building a string per call.
    /// </summary>
    public Task<InboundFrame> SendRequestAsync(FrameHeader header, IMessage? message, ReadOnlyMemory<byte> payload, long deadlineMs, object description) =>
        SendRequestAsync(header, message, payload, deadlineMs, description, null);

    /// <summary>
    /// Sends a request whose response payload is read into memory that <paramref name="responsePayload"/> provides
    /// for its length (null: a fresh byte array). The memory must be exactly that long.
    /// </summary>
    public Task<InboundFrame> SendRequestAsync(
        FrameHeader header, IMessage? message, ReadOnlyMemory<byte> payload, long deadlineMs, object description, Func<int, Memory<byte>>? responsePayload) =>
        SendRequest(header, message, payload, deadlineMs, description, responsePayload).Task;

    /// <summary>
    /// As <see cref="SendRequestAsync(FrameHeader, IMessage?, ReadOnlyMemory{byte}, long, object, Func{int, Memory{byte}}?)"/>,
    /// returning the call itself: a caller that gives up on a response read into its own memory awaits
    /// <see cref="PendingCall.AbandonAsync"/> before it reuses that memory.
    /// </summary>
    public PendingCall SendRequest(
        FrameHeader header, IMessage? message, ReadOnlyMemory<byte> payload, long deadlineMs, object description, Func<int, Memory<byte>>? responsePayload)
    {
        var call = new PendingCall(deadlineMs, description, responsePayload);
        if (payload.Length > PeerMaxPayloadBytes)
        {
            call.Fail(new PayloadTooLargeException(
                $"{description}: payload of {payload.Length} bytes exceeds the {PeerMaxPayloadBytes}-byte limit of {Description}"));
            return call;
        }

        var id = Interlocked.Increment(ref _nextCorrelationId);
        header.CorrelationId = id;
        _pending[id] = call;
        if (!_sendQueue.Writer.TryWrite(new OutgoingFrame(header, message, payload)) || IsClosed)
        {
            _pending.TryRemove(id, out _);
            call.Fail(new SiloUnavailableException($"{description}: connection to {Description} is closed"));
        }

        return call;
    }

    /// <summary>Queues a frame that expects no answer (a response).</summary>
    public void Post(FrameHeader header, IMessage? message, ReadOnlyMemory<byte> payload = default) =>
        _sendQueue.Writer.TryWrite(new OutgoingFrame(header, message, payload));

    /// <summary>Fails every call whose deadline has passed. Called by a shared timer.</summary>
    public void ExpireCalls(long nowMs)
    {
        foreach (var (id, call) in _pending)
        {
            if (call.DeadlineMs <= nowMs && _pending.TryRemove(id, out _))
            {
                call.Fail(new GrainCallTimeoutException($"{call.Description}: no answer from {Description} before the deadline"));
            }
        }
    }

    /// <summary>Closes the connection; pending calls fail with <see cref="SiloUnavailableException"/>.</summary>
    public void Close(Exception? reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _closing.Cancel();
        _sendQueue.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        var why = reason is null ? "closed" : reason.Message;
        foreach (var (id, call) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                call.Fail(new SiloUnavailableException($"{call.Description}: connection to {Description} lost ({why})", reason));
            }
        }

        _handler.OnClosed(this, reason);
    }

    private async Task WriteLoopAsync()
    {
        var queue = _sendQueue.Reader;
        try
        {
            while (await queue.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                long bytes = 0;
                var frames = 0;
                while (queue.TryRead(out var frame))
                {
                    if (!TryWriteFrameHead(frame, out var headBytes))
                    {
                        continue;
                    }

                    bytes += headBytes + frame.Payload.Length;
                    frames++;
                    if (frame.Payload.Length >= DirectPayloadThreshold)
                    {
                        // Flush what is buffered, then hand the tensor to the socket from its own memory.
                        await _writer.FlushAsync(_closing.Token).ConfigureAwait(false);
                        await _stream.WriteAsync(frame.Payload, _closing.Token).ConfigureAwait(false);
                    }
                    else if (frame.Payload.Length > 0)
                    {
                        _writer.Write(frame.Payload.Span);
                    }

                    if (_writer.UnflushedBytes >= FlushThresholdBytes)
                    {
                        await _writer.FlushAsync(_closing.Token).ConfigureAwait(false);
                    }
                }

                await _writer.FlushAsync(_closing.Token).ConfigureAwait(false);
                _metrics.Sent(bytes, frames);
            }

            // The queue was completed: a deliberate close after the last frames went out.
            Close(null);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Close(e);
        }
    }

    private bool TryWriteFrameHead(in OutgoingFrame frame, out int written)
    {
        var headerLength = frame.Header.CalculateSize();
        var messageLength = frame.Message?.CalculateSize() ?? 0;
        if ((long)headerLength + messageLength > PeerMaxMessageBytes)
        {
            written = 0;
            var error = new PayloadTooLargeException(
                $"message of {messageLength} bytes exceeds the {PeerMaxMessageBytes}-byte limit of {Description}");
            if (frame.Header.Kind != FrameKind.Response && _pending.TryRemove(frame.Header.CorrelationId, out var call))
            {
                call.Fail(error);
            }

            return false;
        }

        written = FramePrefix.Size + headerLength + messageLength;
        var span = _writer.GetSpan(written);
        new FramePrefix(headerLength, messageLength, frame.Payload.Length).Write(span);
        frame.Header.WriteTo(span.Slice(FramePrefix.Size, headerLength));
        frame.Message?.WriteTo(span.Slice(FramePrefix.Size + headerLength, messageLength));
        _writer.Advance(written);
        return true;
    }

    /// <summary>
    /// Reads the rest of a large payload straight from the socket. When the link is slower than the reader, each packet
    /// would wake this loop for a few kilobytes (54 MB at 250 Mbit/s: 27,000 reads and 2.4x the CPU of reading it in
    /// 256 KiB pieces, measured with a plain blocking socket pair over a veth pair shaped by tc); a receive low-water
    /// mark (SO_RCVLOWAT) makes the kernel wake it once per <see cref="PayloadReadChunk"/> instead. The mark is never
    /// above what is left of the payload (so the last piece wakes it too) and is back at 1 byte before frames are
    /// parsed again. When <paramref name="receiver"/>'s caller abandons the call, the read in progress is cancelled
    /// (a cancelled socket receive copies nothing), the caller is told that its memory is free, and the rest of the
    /// payload is read into scratch memory so that the connection stays in frame.
    /// </summary>
    private async ValueTask ReadPayloadAsync(Memory<byte> destination, PendingCall? receiver)
    {
        using var linked = receiver is null ? null : CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, receiver.AbandonToken);
        var token = linked?.Token ?? _closing.Token;
        try
        {
            while (destination.Length > 0 && receiver is not { IsAbandoned: true })
            {
                SetLowWater(Math.Min(destination.Length, PayloadReadChunk));
                int read;
                try
                {
                    read = await _stream.ReadAsync(destination, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (receiver is { IsAbandoned: true } && !_closing.IsCancellationRequested)
                {
                    break;
                }

                if (read == 0)
                {
                    throw new EndOfStreamException($"{Description} closed the connection in the middle of a payload ({destination.Length} bytes of it missing)");
                }

                destination = destination[read..];
            }

            receiver?.EndPayload();
            if (destination.Length > 0)
            {
                await DiscardPayloadAsync(destination.Length).ConfigureAwait(false);
            }
        }
        finally
        {
            SetLowWater(1);
        }
    }

    /// <summary>Reads and drops <paramref name="bytes"/> of a payload whose caller gave up on it.</summary>
    private async ValueTask DiscardPayloadAsync(long bytes)
    {
        var scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytes, PayloadReadChunk));
        try
        {
            while (bytes > 0)
            {
                var want = (int)Math.Min(bytes, scratch.Length);
                SetLowWater(want);
                var read = await _stream.ReadAsync(scratch.AsMemory(0, want), _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"{Description} closed the connection in the middle of a payload ({bytes} bytes of it missing)");
                }

                bytes -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Sets the socket's receive low-water mark to <paramref name="bytes"/> where the platform has one; a closed socket keeps what it had.</summary>
    private void SetLowWater(int bytes)
    {
        if (bytes == _lowWater || !_lowWaterMarks)
        {
            return;
        }

        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, bytes);
            _lowWater = bytes;
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException)
        {
            _lowWaterMarks = false;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var advanced = false;
                while (buffer.Length >= FramePrefix.Size)
                {
                    var prefix = FramePrefix.Read(buffer);
                    ValidatePrefix(prefix);
                    var headLength = FramePrefix.Size + prefix.HeaderLength + prefix.MessageLength;
                    if (buffer.Length < headLength)
                    {
                        break;
                    }

                    FrameHeader header;
                    try
                    {
                        header = FrameHeader.Parser.ParseFrom(buffer.Slice(FramePrefix.Size, prefix.HeaderLength));
                    }
                    catch (InvalidProtocolBufferException e)
                    {
                        throw new BadRequestException($"{Description} sent a frame header that does not decode ({e.Message}); closing the connection", e);
                    }

                    var message = buffer.Slice(FramePrefix.Size + prefix.HeaderLength, prefix.MessageLength).ToArray();
                    buffer = buffer.Slice(headLength);
                    _metrics.Received(headLength + prefix.PayloadLength);

                    if (prefix.PayloadLength > _maxPayloadBytes)
                    {
                        RefuseOversizedPayload(header, prefix.PayloadLength);
                        return;
                    }

                    var payload = Memory<byte>.Empty;
                    if (prefix.PayloadLength > 0)
                    {
                        var length = checked((int)prefix.PayloadLength);
                        PendingCall? receiver = null;
                        var discard = false;
                        if (header.Kind == FrameKind.Response && _pending.TryGetValue(header.CorrelationId, out var waiting) && waiting.ResponsePayload is { } destination)
                        {
                            // Into the caller's own memory, unless the caller has given up on the call already.
                            receiver = waiting.TryBeginPayload() ? waiting : null;
                            discard = receiver is null;
                        }

                        try
                        {
                            if (receiver is not null)
                            {
                                payload = receiver.ResponsePayload!(length);
                                if (payload.Length != length)
                                {
                                    throw new InvalidOperationException($"response payload destination gave {payload.Length} bytes for a {length}-byte payload");
                                }
                            }
                            else if (!discard)
                            {
                                var array = GC.AllocateUninitializedArray<byte>(length);
                                TransparentHugePages.Advise(array);
                                payload = array;
                            }

                            var buffered = (int)Math.Min(buffer.Length, prefix.PayloadLength);
                            if (!discard)
                            {
                                buffer.Slice(0, buffered).CopyTo(payload.Span);
                            }

                            buffer = buffer.Slice(buffered);
                            if (buffered < length)
                            {
                                // Everything buffered belongs to this payload; read the rest straight into it.
                                _reader.AdvanceTo(buffer.Start);
                                advanced = true;
                                if (discard)
                                {
                                    await DiscardPayloadAsync(length - buffered).ConfigureAwait(false);
                                }
                                else
                                {
                                    await ReadPayloadAsync(payload[buffered..], receiver).ConfigureAwait(false);
                                }
                            }
                        }
                        finally
                        {
                            receiver?.EndPayload();
                        }

                        if (discard || receiver is { IsAbandoned: true })
                        {
                            // The caller gave up on this response; its payload was not written into the caller's memory.
                            _pending.TryRemove(header.CorrelationId, out _);
                            if (advanced)
                            {
                                break;
                            }

                            continue;
                        }

                        if (advanced)
                        {
                            Deliver(new InboundFrame(header, message, payload));
                            break;
                        }
                    }

                    Deliver(new InboundFrame(header, message, payload));
                }

                if (!advanced)
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        if (buffer.Length > 0)
                        {
                            throw new BadRequestException($"{Description} closed the connection in the middle of a frame ({buffer.Length} bytes of it arrived)");
                        }

                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (EndOfStreamException)
        {
            failure = new BadRequestException($"{Description} closed the connection in the middle of a frame payload");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OrreryCallException)
        {
            failure = e;
        }
        finally
        {
            if (!IsClosed && (failure is not null || !_refusing))
            {
                Close(failure);
            }
        }
    }

    private void ValidatePrefix(in FramePrefix prefix)
    {
        if (prefix.HeaderLength <= 0 || prefix.HeaderLength > MaxHeaderBytes)
        {
            throw new BadRequestException($"{Description} sent a frame with a {prefix.HeaderLength}-byte header (1..{MaxHeaderBytes}); closing the connection");
        }

        if (prefix.MessageLength < 0 || prefix.MessageLength > _maxMessageBytes)
        {
            throw new PayloadTooLargeException(
                $"{Description} sent a {prefix.MessageLength}-byte message; the limit is {_maxMessageBytes}; closing the connection");
        }

        if (prefix.PayloadLength < 0)
        {
            throw new BadRequestException($"{Description} sent a frame with a negative payload length; closing the connection");
        }
    }

    private void RefuseOversizedPayload(FrameHeader header, long payloadLength)
    {
        // The payload is not read: answer the call, let the answer go out, then close, since
        // skipping gigabytes to stay in frame would cost more than a reconnect.
        _refusing = true;
        if (header.Kind != FrameKind.Response)
        {
            Post(new FrameHeader
            {
                Kind = FrameKind.Response,
                CorrelationId = header.CorrelationId,
                Status = CallStatus.PayloadTooLarge,
                Error = $"payload of {payloadLength} bytes of a {header.Kind} frame exceeds this silo's limit of {_maxPayloadBytes} bytes",
            }, null);
        }

        _sendQueue.Writer.TryComplete();
    }


    private void Deliver(InboundFrame frame)
    {
        if (frame.Header.Kind == FrameKind.Response)
        {
            if (_pending.TryRemove(frame.Header.CorrelationId, out var call))
            {
                call.Complete(frame);
            }

            return;
        }

        _handler.OnFrame(this, frame);
    }
}
