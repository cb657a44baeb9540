using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Orrery.Cluster.Errors;

namespace Orrery.Cluster.Transport;

/// <summary>
/// Mutual proof of the cluster secret before any frame is accepted. The accepting side sends a
/// random nonce; the connecting side answers HMAC-SHA256(secret, context | server nonce | client
/// nonce) and its own nonce; the accepting side checks it and proves the secret back. The secret
/// never crosses the wire and a recorded handshake cannot be replayed against a fresh nonce.
/// </summary>
internal static class Handshake
{
    public const int ProtocolVersion = 1;
    private const int NonceBytes = 32;
    private const int MaxHandshakeMessageBytes = 4096;

    /// <summary>What the connecting side learns about the silo it reached.</summary>
    public readonly record struct PeerInfo(string SiloName, long SiloGeneration, long MaxMessageBytes, long MaxPayloadBytes);

    /// <summary>What the accepting side learns about who connected.</summary>
    public readonly record struct CallerInfo(string Role, string Name);

    public static async Task<CallerInfo> AcceptAsync(
        Stream stream, string clusterId, byte[] secret, string siloName, long siloGeneration,
        long maxMessageBytes, long maxPayloadBytes, string peerDescription, CancellationToken cancellationToken)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        await WriteAsync(stream, new HandshakeChallenge
        {
            ClusterId = clusterId,
            Nonce = ByteString.CopyFrom(nonce),
            SiloName = siloName,
            SiloGeneration = siloGeneration,
            ProtocolVersion = ProtocolVersion,
        }, cancellationToken).ConfigureAwait(false);

        var response = await ReadAsync(stream, HandshakeResponse.Parser, peerDescription, cancellationToken).ConfigureAwait(false);
        string? error = null;
        if (response.ProtocolVersion != ProtocolVersion)
        {
            error = $"protocol version {response.ProtocolVersion} is not supported; this silo speaks {ProtocolVersion}";
        }
        else if (response.ClusterId != clusterId)
        {
            error = $"cluster id '{response.ClusterId}' does not match this silo's cluster '{clusterId}'";
        }
        else if (response.ClientNonce.Length != NonceBytes ||
                 !CryptographicOperations.FixedTimeEquals(response.Proof.Span, Proof(secret, clusterId, nonce, response.ClientNonce.Span)))
        {
            error = "the cluster secret proof is wrong; check Cluster:Secret on both sides";
        }

        if (error is not null)
        {
            await WriteAsync(stream, new HandshakeResult { Accepted = false, Error = error }, cancellationToken).ConfigureAwait(false);
            throw new ClusterUnauthorizedException($"refused connection from {peerDescription}: {error}");
        }

        await WriteAsync(stream, new HandshakeResult
        {
            Accepted = true,
            Proof = ByteString.CopyFrom(Proof(secret, clusterId, response.ClientNonce.Span, nonce)),
            MaxMessageBytes = maxMessageBytes,
            MaxPayloadBytes = maxPayloadBytes,
        }, cancellationToken).ConfigureAwait(false);
        return new CallerInfo(response.Role, response.Name);
    }

    public static async Task<PeerInfo> ConnectAsync(
        Stream stream, string clusterId, byte[] secret, string role, string name, string peerDescription, CancellationToken cancellationToken)
    {
        var challenge = await ReadAsync(stream, HandshakeChallenge.Parser, peerDescription, cancellationToken).ConfigureAwait(false);
        if (challenge.ClusterId != clusterId)
        {
            throw new ClusterUnauthorizedException(
                $"{peerDescription} belongs to cluster '{challenge.ClusterId}', not '{clusterId}'; check Cluster:ClusterId");
        }

        if (challenge.Nonce.Length != NonceBytes)
        {
            throw new BadRequestException($"{peerDescription} sent a malformed handshake challenge ({challenge.Nonce.Length}-byte nonce)");
        }

        var clientNonce = RandomNumberGenerator.GetBytes(NonceBytes);
        await WriteAsync(stream, new HandshakeResponse
        {
            ClusterId = clusterId,
            ClientNonce = ByteString.CopyFrom(clientNonce),
            Proof = ByteString.CopyFrom(Proof(secret, clusterId, challenge.Nonce.Span, clientNonce)),
            Role = role,
            Name = name,
            ProtocolVersion = ProtocolVersion,
        }, cancellationToken).ConfigureAwait(false);

        var result = await ReadAsync(stream, HandshakeResult.Parser, peerDescription, cancellationToken).ConfigureAwait(false);
        if (!result.Accepted)
        {
            throw new ClusterUnauthorizedException($"{peerDescription} refused the connection: {result.Error}");
        }

        if (!CryptographicOperations.FixedTimeEquals(result.Proof.Span, Proof(secret, clusterId, clientNonce, challenge.Nonce.Span)))
        {
            throw new ClusterUnauthorizedException(
                $"{peerDescription} could not prove the cluster secret; it is not a member of cluster '{clusterId}' or its Cluster:Secret differs");
        }

        return new PeerInfo(challenge.SiloName, challenge.SiloGeneration, result.MaxMessageBytes, result.MaxPayloadBytes);
    }

    private static byte[] Proof(byte[] secret, string clusterId, ReadOnlySpan<byte> firstNonce, ReadOnlySpan<byte> secondNonce)
    {
        var context = Encoding.UTF8.GetBytes("orrery/1|" + clusterId + "|");
        var input = new byte[context.Length + firstNonce.Length + secondNonce.Length];
        context.CopyTo(input, 0);
        firstNonce.CopyTo(input.AsSpan(context.Length));
        secondNonce.CopyTo(input.AsSpan(context.Length + firstNonce.Length));
        return HMACSHA256.HashData(secret, input);
    }

    private static async Task WriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken)
    {
        var size = message.CalculateSize();
        var buffer = new byte[4 + size];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, size);
        message.WriteTo(buffer.AsSpan(4));
        await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(Stream stream, MessageParser<T> parser, string peerDescription, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var lengthBytes = new byte[4];
        await ReadExactlyAsync(stream, lengthBytes, peerDescription, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
        if (length is < 0 or > MaxHandshakeMessageBytes)
        {
            throw new BadRequestException(
                $"{peerDescription} sent a {length}-byte handshake message (at most {MaxHandshakeMessageBytes}); it does not speak the Orrery protocol");
        }

        var body = new byte[length];
        await ReadExactlyAsync(stream, body, peerDescription, cancellationToken).ConfigureAwait(false);
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new BadRequestException($"{peerDescription} sent a handshake {typeof(T).Name} that does not decode: {e.Message}", e);
        }
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, string peerDescription, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new SiloUnavailableException($"{peerDescription} closed the connection during the handshake", e);
        }
    }
}
