using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Gcn.Model;

/// <summary>A row-major (rows, columns) float matrix in a device buffer; the model's activations, parameters and gradients.</summary>
public sealed class Tensor2 : IDisposable
{
    /// <summary>Allocates a zeroed (rows, columns) matrix on <paramref name="device"/>.</summary>
    public Tensor2(IComputeDevice device, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (device is not CpuDevice)
        {
            throw new NotSupportedException($"the GCN model runs on the CPU device so far: its aggregation, LayerNorm, ReLU, dropout, biases, loss and halo row copies have CUDA kernels (kernels/gcn.cu, gcn_dense.cu, gcn_loss.cu, gcn_rows.cu), but the model does not keep its tensors on {device.Name} yet");
        }

        Rows = rows;
        Columns = columns;
        Buffer = device.Allocate<float>(Math.Max(1L, (long)rows * columns));
        Span.Clear();
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Rows times columns.</summary>
    public int Length => Rows * Columns;

    /// <summary>The storage.</summary>
    public DeviceBuffer<float> Buffer { get; }

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => ((CpuBuffer<float>)Buffer).Span[..Length];

    /// <summary>Row <paramref name="row"/>.</summary>
    public Span<float> Row(int row) => ((CpuBuffer<float>)Buffer).Span.Slice(row * Columns, Columns);

    /// <summary>Sets every element to 0.</summary>
    public void Clear() => Span.Clear();

    /// <summary>The elements as a new array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <inheritdoc />
    public void Dispose() => Buffer.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"({Rows}, {Columns})";
}
