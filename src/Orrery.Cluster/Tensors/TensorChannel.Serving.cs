using System.Runtime.InteropServices;
using Google.Protobuf;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tensors;

/// <summary>The owner's side: fetch, push and release requests from peers.</summary>
public sealed partial class TensorChannel
{
    private void Serve(Connection connection, InboundFrame frame)
    {
        var header = frame.Header;
        try
        {
            switch (header.Kind)
            {
                case FrameKind.TensorFetch:
                    ServeFetch(connection, header, TensorFetchRequest.Parser.ParseFrom(frame.Message));
                    break;
                case FrameKind.TensorPush:
                    ServePush(connection, header, TensorPushRequest.Parser.ParseFrom(frame.Message), frame.Payload);
                    break;
                case FrameKind.TensorRelease:
                    var release = TensorReleaseRequest.Parser.ParseFrom(frame.Message);
                    var released = release.Generation == _identity.Generation && Store.Release(release.Id);
                    Answer(connection, header, released ? CallStatus.Ok : CallStatus.NotFound, released ? "" : $"tensor {release.Id:x} is not held here");
                    break;
                default:
                    // A response or an unknown kind: this port serves tensor requests alone.
                    LogRefusedFrame(connection.Description, header.Kind.ToString());
                    connection.Close(new Errors.BadRequestException($"{connection.Description} sent a {header.Kind} frame to the tensor channel"));
                    break;
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            LogRefusedFrame(connection.Description, $"{header.Kind} with a message that does not decode ({e.Message})");
            connection.Close(new Errors.BadRequestException($"{connection.Description} sent a {header.Kind} request that does not decode", e));
        }
    }

    private void ServeFetch(Connection connection, FrameHeader header, TensorFetchRequest request)
    {
        if (request.Generation != _identity.Generation || !Store.TryRead(request.Id, out var data, out var elementType))
        {
            _transfers.Add(1, Tag("serve", "remote", "not_found"));
            Answer(connection, header, CallStatus.NotFound,
                $"tensor {request.Id:x} at {Endpoint}: silo '{_identity.Name}' (generation {_identity.Generation}) holds no such tensor; " +
                "it was released, expired, read its permitted number of times, or belongs to an earlier generation");
            return;
        }

        _transfers.Add(1, Tag("serve", "remote", "ok"));
        connection.Post(new FrameHeader { Kind = FrameKind.Response, CorrelationId = header.CorrelationId }, null, BytesOf(data, elementType));
    }

    private void ServePush(Connection connection, FrameHeader header, TensorPushRequest request, ReadOnlyMemory<byte> payload)
    {
        var elementType = (TensorElementType)request.ElementType;
        if (!Enum.IsDefined(elementType) || payload.Length % TensorRef.ElementSize(elementType) != 0 || request.MaxReads < 0 || request.TimeToLiveMs < 0)
        {
            Answer(connection, header, CallStatus.BadRequest,
                $"push of {payload.Length} bytes as element type {request.ElementType} with max_reads {request.MaxReads} and time_to_live_ms {request.TimeToLiveMs} is malformed");
            return;
        }

        // The connection received the payload into a fresh array of its size, which the store now keeps.
        byte[] bytes = payload.Length == 0 ? []
            : MemoryMarshal.TryGetArray(payload, out var segment) && segment is { Offset: 0, Array: { } array } && segment.Count == array.Length ? array
            : payload.ToArray();
        var lifetime = new TensorLifetime(request.TimeToLiveMs == 0 ? null : TimeSpan.FromMilliseconds(request.TimeToLiveMs), request.MaxReads);
        try
        {
            var id = Store.Add(bytes, bytes.Length, elementType, lifetime);
            connection.Post(
                new FrameHeader { Kind = FrameKind.Response, CorrelationId = header.CorrelationId },
                new TensorPushReply { Id = id, Generation = _identity.Generation });
        }
        catch (TensorStoreFullException e)
        {
            _storeRefusals.Add(1);
            Answer(connection, header, CallStatus.StoreFull, e.Message);
        }
    }

    private static void Answer(Connection connection, FrameHeader request, CallStatus status, string error) =>
        connection.Post(new FrameHeader { Kind = FrameKind.Response, CorrelationId = request.CorrelationId, Status = status, Error = error }, null);

    private static ReadOnlyMemory<byte> BytesOf(Array data, TensorElementType elementType) => data switch
    {
        byte[] bytes => bytes,
        float[] floats => ArrayByteMemory<float>.Of(floats),
        double[] doubles => ArrayByteMemory<double>.Of(doubles),
        int[] ints => ArrayByteMemory<int>.Of(ints),
        long[] longs => ArrayByteMemory<long>.Of(longs),
        _ => throw new InvalidOperationException($"the tensor store holds a {data.GetType().Name} as {elementType}"),
    };

    /// <summary>Hands the connections' frames to the channel; inbound frames on the tensor port are requests.</summary>
    private sealed class FrameHandler(TensorChannel channel) : IFrameHandler
    {
        public void OnFrame(Connection connection, InboundFrame frame) => channel.Serve(connection, frame);

        public void OnClosed(Connection connection, Exception? error)
        {
        }
    }
}
