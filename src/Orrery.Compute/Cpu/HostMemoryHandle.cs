using System.Runtime.InteropServices;

namespace Orrery.Compute.Cpu;

/// <summary>A 64-byte-aligned native allocation (one cache line, the widest AVX-512 load), freed by the finalizer if not disposed.</summary>
internal sealed unsafe class HostMemoryHandle : SafeHandle
{
    public const int Alignment = 64;

    private HostMemoryHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static HostMemoryHandle Allocate(long bytes)
    {
        var memory = new HostMemoryHandle();
        try
        {
            memory.SetHandle((nint)NativeMemory.AlignedAlloc((nuint)bytes, Alignment));
        }
        catch (OutOfMemoryException e)
        {
            throw new ComputeException($"cpu: could not allocate {bytes} bytes of host memory", e);
        }

        return memory;
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
