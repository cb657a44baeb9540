namespace Orrery.Cluster.Transport;

/// <summary>Who this process is on the transport, how it proves membership, and the DSCP its packets carry (0: unmarked).</summary>
internal sealed record TransportIdentity(
    string ClusterId, byte[] Secret, string Role, string Name, long Generation, int MaxMessageBytes, long MaxPayloadBytes, int Dscp = 0);
