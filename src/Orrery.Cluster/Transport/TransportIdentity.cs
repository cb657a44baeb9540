namespace Orrery.Cluster.Transport;

/// <summary>Who this process is on the transport, and how it proves membership.</summary>
internal sealed record TransportIdentity(
    string ClusterId, byte[] Secret, string Role, string Name, long Generation, int MaxMessageBytes, long MaxPayloadBytes);
