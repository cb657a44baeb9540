using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Tensors;

namespace Orrery.Contracts.Diagnostics;

// The diagnostics grains: small calls, call chains across silos, tensor round trips by reference over the tensor
// channel, and measured load between silos. `orrery demo`, `orrery ping`, the benchmarks and the cluster tests use them.

/// <summary>A small request; <see cref="Text"/> is echoed back.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.echo-request")]
public sealed record EchoRequest
{
    [Id(0)] public string Text { get; init; } = "";

    /// <summary>Milliseconds the grain waits before answering (turn and shutdown tests).</summary>
    [Id(1)] public int DelayMs { get; init; }
}

/// <summary>The echoed text and where it ran.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.echo-reply")]
public sealed record EchoReply
{
    [Id(0)] public string Text { get; init; } = "";

    /// <summary>Name of the silo that ran the call.</summary>
    [Id(1)] public string Silo { get; init; } = "";

    /// <summary>Calls this activation has answered, this one included.</summary>
    [Id(2)] public long Calls { get; init; }

    /// <summary>Unix milliseconds at which this activation was created.</summary>
    [Id(3)] public long ActivatedAtMs { get; init; }

    /// <summary>Echo calls of this activation waiting out their delay when the reply was made (tests use it to know a call is in flight).</summary>
    [Id(4)] public int Delaying { get; init; }
}

/// <summary>A chain of grain keys: <c>Keys[0]</c> answers by calling <c>Keys[1]</c>, and so on.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.chain-request")]
public sealed record ChainRequest
{
    [Id(0)] public IReadOnlyList<string> Keys { get; init; } = [];
}

/// <summary>The silos that handled each hop, in order.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.chain-reply")]
public sealed record ChainReply
{
    [Id(0)] public IReadOnlyList<string> Silos { get; init; } = [];
}

/// <summary>
/// A tensor round trip between two silos: the grain that gets it makes <see cref="Bytes"/> bytes, puts them in its
/// silo's tensor store, and a peer grain on another silo fetches them by reference, checks them, puts them back and
/// answers with a new reference that the first fetches and checks.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.tensor-round-trip")]
public sealed record TensorRoundTripRequest
{
    [Id(0)] public int Bytes { get; init; }

    /// <summary>Key of the peer tensor grain; it is placed on another silo than the caller's when there is one.</summary>
    [Id(1)] public string PeerKey { get; init; } = "";
}

/// <summary>What a tensor round trip moved and measured.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.tensor-round-trip-reply")]
public sealed record TensorRoundTripReply
{
    [Id(0)] public string Silo { get; init; } = "";
    [Id(1)] public string PeerSilo { get; init; } = "";
    [Id(2)] public long Bytes { get; init; }

    /// <summary>Seconds from the put to the returned bytes checked, both fetches and the peer's checks included.</summary>
    [Id(3)] public double Seconds { get; init; }

    /// <summary>Both checksums matched.</summary>
    [Id(4)] public bool Intact { get; init; }
}

/// <summary>The peer's side of a round trip: a reference to fetch and the checksum its bytes must have.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.tensor-echo")]
public sealed record TensorEchoRequest
{
    [Id(0)] public required TensorRef Tensor { get; init; }
    [Id(1)] public long Checksum { get; init; }
}

/// <summary>The peer's answer: the bytes put back in its own store.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.tensor-echo-reply")]
public sealed record TensorEchoReply
{
    [Id(0)] public required TensorRef Tensor { get; init; }
    [Id(1)] public required string Silo { get; init; }
}

/// <summary>Load to drive from the silo the load grain runs on at echo grains placed on a target silo.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.load-request")]
public sealed record LoadRequest
{
    /// <summary>The silo whose grains receive the load.</summary>
    [Id(0)] public required SiloAddress Target { get; init; }
    [Id(1)] public int Calls { get; init; }

    /// <summary>Calls kept in flight at once.</summary>
    [Id(2)] public int Concurrency { get; init; }

    /// <summary>Calls per second to pace at (open loop); 0 sends as fast as replies allow.</summary>
    [Id(3)] public double Rate { get; init; }

    /// <summary>Distinct grain keys the calls spread over.</summary>
    [Id(4)] public int Keys { get; init; } = 64;

    /// <summary>Prefix of the target grains' keys; a new prefix places new grains.</summary>
    [Id(5)] public string KeyPrefix { get; init; } = "load";
}

/// <summary>Throughput and latency percentiles measured where the load was sent.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.load-reply")]
public sealed record LoadReply
{
    [Id(0)] public int Calls { get; init; }
    [Id(1)] public double Seconds { get; init; }
    [Id(2)] public double P50Us { get; init; }
    [Id(3)] public double P90Us { get; init; }
    [Id(4)] public double P99Us { get; init; }
    [Id(5)] public double MaxUs { get; init; }
    [Id(6)] public int Errors { get; init; }
    [Id(7)] public string FirstError { get; init; } = "";

    /// <summary>The silo that sent the load.</summary>
    [Id(8)] public string Silo { get; init; } = "";

    /// <summary>The silos that answered (all of them the target unless a grain was already active elsewhere).</summary>
    [Id(9)] public IReadOnlyList<string> AnsweredBy { get; init; } = [];
}

/// <summary>Where a ping grain runs.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.diag.where")]
public sealed record SiloWhere
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required SiloAddress Address { get; init; }
}
