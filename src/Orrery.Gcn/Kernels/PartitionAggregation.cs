using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using static Orrery.Compute.DeviceBuffers;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// One part's sparse aggregation on its model's device: the plan's CSR and its transpose (built once) in device
/// buffers, and the launches of <c>gcn_aggregate</c> and <c>gcn_aggregate_transpose</c>. The halo rows live in host
/// arrays (they arrive from and go to the peers), so they pass through one device scratch buffer per call: h × width
/// floats each way, small beside the E × width products of the aggregation. On the CPU device the launches run the
/// twins of <see cref="GcnKernels"/>, which this registers there.
/// </summary>
internal sealed class PartitionAggregation : IDisposable
{
    private readonly IComputeDevice _device;
    private readonly int _innerCount;
    private readonly int _haloCount;
    private readonly DeviceBuffer<int> _rowStart;       // (n + 1)
    private readonly DeviceBuffer<int> _columns;        // (E)
    private readonly DeviceBuffer<float> _coefficients; // (E)
    private readonly DeviceBuffer<int> _columnStart;    // (n + h + 1)
    private readonly DeviceBuffer<int> _rows;           // (E), ascending within a column
    private readonly DeviceBuffer<float> _transposedCoefficients; // (E)
    private DeviceBuffer<float>? _halo;                 // (h, widest width so far)

    /// <summary>Uploads <paramref name="plan"/>'s adjacency and its transpose to <paramref name="device"/>.</summary>
    public PartitionAggregation(IComputeDevice device, PartitionPlan plan)
    {
        _device = device;
        if (device is CpuDevice cpu)
        {
            GcnKernels.Register(cpu.Kernels);
        }

        _innerCount = plan.InnerCount;
        _haloCount = plan.HaloCount;
        var transposed = TransposedAdjacency.Build(plan);
        _rowStart = Upload(device, plan.RowStart);
        _columns = Upload(device, plan.Columns);
        _coefficients = Upload(device, plan.Coefficients);
        _columnStart = Upload(device, transposed.ColumnStart);
        _rows = Upload(device, transposed.Rows);
        _transposedCoefficients = Upload(device, transposed.Coefficients);
    }

    /// <summary>agg (n, w) = Â [x; halo], x (n, w), halo (h, w) row-major.</summary>
    public void Aggregate(Tensor2 x, ReadOnlySpan<float> halo, Tensor2 agg)
    {
        var width = x.Columns;
        var haloBuffer = HaloScratch(width);
        if (halo.Length != _haloCount * width)
        {
            throw new ArgumentException($"{halo.Length} halo values; {_haloCount} rows of width {width} need {_haloCount * width}", nameof(halo));
        }

        haloBuffer.Upload(halo);
        GcnKernels.LaunchAggregate(_device, _rowStart, _columns, _coefficients, x.Buffer, haloBuffer, agg.Buffer, _innerCount, _haloCount, width);
    }

    /// <summary>
    /// [dx; dhalo] += Âᵀ dagg: dagg (n, w), dx (n, w) on the device, dhalo (h, w) in host memory. Each row's sum starts
    /// from what dx and dhalo hold and adds the contributions in ascending source row.
    /// </summary>
    public void AggregateTranspose(Tensor2 dagg, Tensor2 dx, float[] dhalo)
    {
        var width = dagg.Columns;
        var haloBuffer = HaloScratch(width);
        if (dhalo.Length != _haloCount * width)
        {
            throw new ArgumentException($"{dhalo.Length} halo gradient values; {_haloCount} rows of width {width} need {_haloCount * width}", nameof(dhalo));
        }

        haloBuffer.Upload(dhalo);
        GcnKernels.LaunchAggregateTranspose(_device, _columnStart, _rows, _transposedCoefficients, dagg.Buffer, dx.Buffer, haloBuffer, _innerCount, _haloCount, width);
        haloBuffer.Download(dhalo);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rowStart.Dispose();
        _columns.Dispose();
        _coefficients.Dispose();
        _columnStart.Dispose();
        _rows.Dispose();
        _transposedCoefficients.Dispose();
        _halo?.Dispose();
    }
    /// <summary>The halo scratch, grown to hold (h, <paramref name="width"/>).</summary>
    private DeviceBuffer<float> HaloScratch(int width)
    {
        var length = Math.Max(1L, (long)_haloCount * width);
        if (_halo is null || _halo.Length < length)
        {
            _halo?.Dispose();
            _halo = _device.Allocate<float>(length);
        }

        return _halo;
    }
}
