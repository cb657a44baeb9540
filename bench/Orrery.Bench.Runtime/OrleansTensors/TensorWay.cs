namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>How the bytes of one tensor travel between the two processes.</summary>
internal enum TensorWay
{
    /// <summary>A <c>TensorRef</c> in the Orleans message, the bytes over the tensor channel into a new array.</summary>
    TensorRef,

    /// <summary>The bytes themselves as the <c>byte[]</c> result of an Orleans grain call.</summary>
    OrleansMessage,

    /// <summary>The raw socket pair, received into one reused buffer: the peer.</summary>
    RawSocket,

    /// <summary>The raw socket pair receiving into a new array per message, as a fetch does.</summary>
    RawSocketFreshArray,

    /// <summary>A <c>TensorRef</c>, the bytes over the tensor channel into an array the reader reuses (<c>FetchIntoAsync</c>).</summary>
    TensorRefReused,
}
