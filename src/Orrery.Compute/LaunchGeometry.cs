namespace Orrery.Compute;

/// <summary>
/// How a kernel is launched: blocks in the grid, threads per block, dynamic shared memory. The CUDA
/// backend passes it to <c>cuLaunchKernel</c>; CPU twins receive it too but compute the whole problem
/// however suits the cores. A launch whose grid or block is empty does nothing on every backend.
/// </summary>
public readonly record struct LaunchGeometry(Dim3 Grid, Dim3 Block, uint SharedMemoryBytes = 0)
{
    /// <summary>True when the launch has no threads.</summary>
    public bool IsEmpty => Grid.Volume == 0 || Block.Volume == 0;

    /// <summary>
    /// One thread per item in 1-D blocks of <paramref name="threadsPerBlock"/>:
    /// ceil(<paramref name="items"/> / <paramref name="threadsPerBlock"/>) blocks.
    /// </summary>
    public static LaunchGeometry Linear(long items, int threadsPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(threadsPerBlock, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadsPerBlock, 1024);
        var blocks = (items + threadsPerBlock - 1) / threadsPerBlock;
        if (blocks > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(items), items, $"{items} items need {blocks} blocks of {threadsPerBlock}; a grid's x extent is at most 2^31 - 1");
        }

        return new LaunchGeometry(new Dim3((uint)blocks), new Dim3((uint)threadsPerBlock));
    }

    public override string ToString() =>
        SharedMemoryBytes == 0 ? $"grid {Grid} x block {Block}" : $"grid {Grid} x block {Block}, {SharedMemoryBytes} B shared";
}
