using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Orrery.Compute;

namespace Orrery.Testing.HostEmulation;

/// <summary>
/// Calls a host runner's launch export: <c>int orr_host_launch_NAME(grid, block, shared_bytes, slots, slot_count,
/// error, error_size)</c>, with the kernel's arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the low
/// half, a buffer as its address), in the kernel's parameter order.
/// </summary>
public static unsafe class HostLaunch
{
    /// <summary>
    /// Runs <paramref name="launch"/> with <paramref name="slots"/> on <paramref name="geometry"/> (1-D grids of 1-D
    /// blocks: the host grid runs no others); throws with the runner's message when it reports an error.
    /// </summary>
    public static void Run(delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> launch, KernelName kernel, LaunchGeometry geometry, ulong[] slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (geometry.Grid.Y != 1 || geometry.Grid.Z != 1 || geometry.Block.Y != 1 || geometry.Block.Z != 1)
        {
            throw new ArgumentException($"host-emulated {kernel}: the host grid runs 1-D grids of 1-D blocks, not {geometry}", nameof(geometry));
        }

        var error = new byte[512];
        int status;
        fixed (ulong* slot = slots)
        fixed (byte* message = error)
        {
            status = launch(geometry.Grid.X, geometry.Block.X, geometry.SharedMemoryBytes, slot, slots.Length, message, error.Length);
        }

        if (status != 0)
        {
            throw new ComputeException($"host-emulated {kernel} failed: {Encoding.UTF8.GetString(error).TrimEnd('\0')}");
        }
    }

    /// <summary>The address of buffer argument <paramref name="index"/> (a host pointer: the emulated device's buffers are the CPU's).</summary>
    public static ulong Address<T>(KernelArguments arguments, int index)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetReference(arguments.Span<T>(index)));
    }

    /// <summary>A <c>float</c> argument's slot: its bits in the low half.</summary>
    public static ulong Bits(float value) => BitConverter.SingleToUInt32Bits(value);

    /// <summary>An <c>int</c> argument's slot: its bits in the low half.</summary>
    public static ulong Bits(int value) => (uint)value;
}
