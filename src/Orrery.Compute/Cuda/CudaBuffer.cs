namespace Orrery.Compute.Cuda;

/// <summary>A buffer in one GPU's memory; copies go through its device's stream.</summary>
internal sealed unsafe class CudaBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private readonly CudaDevice _device;
    private readonly CudaMemory _memory;

    internal CudaBuffer(CudaDevice device, CudaMemory memory, long length)
        : base(device, length)
    {
        _device = device;
        _memory = memory;
    }

    private protected override ulong Address => _memory.Address;

    private protected override void UploadCore(ReadOnlySpan<T> source, long offset)
    {
        fixed (T* data = source)
        {
            _device.CopyToDevice(_memory.Address + (ulong)(offset * sizeof(T)), data, (long)source.Length * sizeof(T));
        }
    }

    private protected override void DownloadCore(Span<T> destination, long offset)
    {
        fixed (T* data = destination)
        {
            _device.CopyToHost(data, _memory.Address + (ulong)(offset * sizeof(T)), (long)destination.Length * sizeof(T));
        }
    }

    private protected override void Free() => _memory.Dispose();
}
