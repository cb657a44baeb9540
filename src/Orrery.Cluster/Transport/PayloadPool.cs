using System.Numerics;

namespace Orrery.Cluster.Transport;

/// <summary>
/// Pooled receive memory for request payloads whose grain method is marked <c>[BorrowsPayload]</c>. A fresh array per
/// received tensor costs the receiver page faults on memory the kernel must zero first (see
/// <see cref="TransparentHugePages"/>), which held 64 and 256 MiB transfers to about half of a raw socket that reuses
/// its buffer; a lent array is reused once the reply that ends the call has been written.
/// <para>
/// Arrays come in power-of-two sizes from 64 KiB to 1 GiB, one stack per size. The read loop that rents and the write
/// loop that returns run on different threads, which is why this is not <c>ArrayPool.Shared</c>: its per-thread slots
/// would keep returned arrays where the reader never looks. At most <see cref="RetainedBytesLimit"/> bytes are kept, and
/// an array nobody rented for <see cref="IdleTrim"/> is dropped. The pool is a cache: a lease that never comes back (a
/// connection closed with the reply still queued) is collected like any array.
/// </para>
/// </summary>
internal static class PayloadPool
{
    /// <summary>Payloads smaller than this are always given, not lent: allocating them is cheap.</summary>
    public const int MinimumBytes = Connection.DirectPayloadThreshold;

    /// <summary>Payloads larger than this are always given: there is no array size class above it.</summary>
    public const int MaximumBytes = 1 << 30;

    /// <summary>Most bytes kept in all stacks together.</summary>
    public const long RetainedBytesLimit = 1L << 30;

    /// <summary>How long a returned array may wait for a renter before a trim drops it.</summary>
    public static readonly TimeSpan IdleTrim = TimeSpan.FromSeconds(30);

    /// <summary>The byte every returned array is filled with when <see cref="PoisonReturned"/> is on.</summary>
    public const byte Poison = 0xDB;

    private const int MinimumShift = 16;
    private static readonly Stack<(byte[] Array, long ReturnedMs)>[] Stacks =
        [.. Enumerable.Range(0, 31 - MinimumShift).Select(_ => new Stack<(byte[], long)>())];

    private static readonly Lock Gate = new();
    private static long _retainedBytes;
    private static Timer? _trimTimer;

    /// <summary>
    /// When true, every array is filled with <see cref="Poison"/> as it comes back, so a grain that breaks the
    /// <c>[BorrowsPayload]</c> promise and reads its payload after its call reads garbage at once instead of, some
    /// day, another request's data. On when the environment variable <c>ORRERY_POISON_BORROWED_PAYLOADS</c> is 1
    /// (the test script sets it); it costs a memory fill per borrowed payload.
    /// </summary>
    public static bool PoisonReturned { get; set; } = Environment.GetEnvironmentVariable("ORRERY_POISON_BORROWED_PAYLOADS") == "1";

    /// <summary>Bytes kept in the pool now.</summary>
    public static long RetainedBytes
    {
        get
        {
            lock (Gate)
            {
                return _retainedBytes;
            }
        }
    }

    /// <summary>True when payloads of <paramref name="length"/> bytes may be lent.</summary>
    public static bool Pools(int length) => length is >= MinimumBytes and <= MaximumBytes;

    /// <summary>An array of at least <paramref name="length"/> bytes (the next power of two), contents undefined.</summary>
    public static byte[] Rent(int length)
    {
        var index = IndexOf(length);
        lock (Gate)
        {
            if (Stacks[index].TryPop(out var kept))
            {
                _retainedBytes -= kept.Array.Length;
                return kept.Array;
            }
        }

        var array = GC.AllocateUninitializedArray<byte>(1 << (index + MinimumShift));
        TransparentHugePages.Advise(array);
        return array;
    }

    /// <summary>Takes back an array from <see cref="Rent"/>; the caller must not touch it again.</summary>
    public static void Return(byte[] array)
    {
        if (!BitOperations.IsPow2(array.Length) || !Pools(array.Length))
        {
            return;
        }

        if (PoisonReturned)
        {
            array.AsSpan().Fill(Poison);
        }

        lock (Gate)
        {
            if (_retainedBytes + array.Length > RetainedBytesLimit)
            {
                return;
            }

            Stacks[IndexOf(array.Length)].Push((array, Environment.TickCount64));
            _retainedBytes += array.Length;
            _trimTimer ??= new Timer(static _ => Trim(Environment.TickCount64 - (long)IdleTrim.TotalMilliseconds), null, IdleTrim, IdleTrim);
        }
    }

    /// <summary>Drops every kept array returned before <paramref name="returnedBeforeMs"/> (Environment.TickCount64).</summary>
    internal static void Trim(long returnedBeforeMs)
    {
        lock (Gate)
        {
            foreach (var stack in Stacks)
            {
                if (stack.Count == 0)
                {
                    continue;
                }

                // Newest on top: keep the recent ones, in their order.
                var recent = stack.Where(e => e.ReturnedMs >= returnedBeforeMs).Reverse().ToArray();
                foreach (var (array, _) in stack.Where(e => e.ReturnedMs < returnedBeforeMs))
                {
                    _retainedBytes -= array.Length;
                }

                stack.Clear();
                foreach (var entry in recent)
                {
                    stack.Push(entry);
                }
            }
        }
    }

    private static int IndexOf(int length) =>
        Math.Max(0, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length)) - MinimumShift);
}
