namespace Orrery.Compute;

/// <summary>What a backend needs from any buffer passed to a kernel, whatever its element type.</summary>
internal interface IDeviceMemory
{
    IComputeDevice Device { get; }

    /// <summary>The first element's address: a host pointer on the CPU, a <c>CUdeviceptr</c> on CUDA.</summary>
    ulong Address { get; }

    Type ElementType { get; }

    long Length { get; }

    bool IsDisposed { get; }
}
