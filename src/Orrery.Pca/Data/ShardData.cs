using Orrery.Compute;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Data;

/// <summary>
/// One shard's data on a compute device: the row blocks (leaves) it owns, or the whole covariance,
/// and the scratch buffers for multiplying a block of m vectors by them. A block costs two GEMMs per
/// leaf (Z = Y_leaf V^T, then Z^T Y_leaf), not 2m GEMVs.
/// </summary>
public sealed class ShardData : IDisposable
{
    private readonly IComputeDevice _device;
    private readonly List<(int Leaf, int Rows, DeviceBuffer<float> Values)> _leaves = [];
    private DeviceBuffer<float>? _vectors;
    private DeviceBuffer<float>? _projections;
    private DeviceBuffer<float>? _products;
    private int _capacity;

    private ShardData(IComputeDevice device, ShardLoadRequest request, int dimension, long totalRows)
    {
        _device = device;
        Request = request;
        Dimension = dimension;
        TotalRows = totalRows;
    }

    /// <summary>The description this shard was loaded from.</summary>
    public ShardLoadRequest Request { get; }

    public int Dimension { get; }

    /// <summary>Rows of the whole matrix; d for a covariance.</summary>
    public long TotalRows { get; }

    /// <summary>Rows this shard holds.</summary>
    public long Rows => _leaves.Sum(l => (long)l.Rows);

    /// <summary>Loads the shard's leaves (or the covariance) from their source onto <paramref name="device"/>.</summary>
    public static ShardData Load(IComputeDevice device, ShardLoadRequest request)
    {
        PcaData.Validate(request.Source);
        if (request.Mode == "covariance")
        {
            if (request.Leaves != 1 || request.FirstLeaf != 0 || request.LeafCount != 1)
            {
                throw new ArgumentException("covariance mode keeps Sigma in one shard (one leaf)");
            }

            var sigma = request.Source.Kind == "generated" && SyntheticData.HasExactBasis(request.Source)
                ? SyntheticData.Covariance(request.Source)
                : FormCovariance(device, request.Source);
            var covariance = new ShardData(device, request, sigma.Columns, sigma.Columns);
            covariance.AddLeaf(0, sigma);
            return covariance;
        }

        if (request.Mode != "matrix-free")
        {
            throw new ArgumentException($"mode is '{request.Mode}'; it must be matrix-free or covariance");
        }

        LeafLayout.Validate(request.Leaves, 1);
        if (request.FirstLeaf < 0 || request.LeafCount < 1 || request.FirstLeaf + request.LeafCount > request.Leaves)
        {
            throw new ArgumentException($"leaves [{request.FirstLeaf}, {request.FirstLeaf + request.LeafCount}) are outside [0, {request.Leaves})");
        }

        var (rows, dimension) = PcaData.Shape(request.Source);
        if (rows < request.Leaves)
        {
            throw new ArgumentException($"leaves is {request.Leaves}; the data has {rows} rows, and every leaf needs one at least (set leaves to a power of two no larger than {rows})");
        }

        var shard = new ShardData(device, request, dimension, rows);
        try
        {
            for (var leaf = request.FirstLeaf; leaf < request.FirstLeaf + request.LeafCount; leaf++)
            {
                var block = PcaData.Rows(request.Source, LeafLayout.FirstRow(rows, request.Leaves, leaf), LeafLayout.RowCount(rows, request.Leaves, leaf));
                shard.AddLeaf(leaf, block);
            }
        }
        catch
        {
            shard.Dispose();
            throw;
        }

        return shard;
    }

    /// <summary>
    /// The shard's part of Y^T Y V for the <paramref name="count"/> vectors in <paramref name="vectors"/>
    /// (count x d, one per row): the tree sum over its leaves, or only leaf <paramref name="onlyLeaf"/>
    /// (when it is not -1), not divided by n. For a covariance shard, Sigma V. Answers count x d.
    /// </summary>
    public float[] Multiply(ReadOnlySpan<float> vectors, int count, int onlyLeaf, out long rows)
    {
        var d = Dimension;
        if (vectors.Length != count * d)
        {
            throw new ArgumentException($"{count} vectors of dimension {d} need {count * d} floats; got {vectors.Length}");
        }

        EnsureCapacity(count);
        _vectors!.Upload(vectors);
        var parts = new List<float[]>();
        rows = 0;
        foreach (var (leaf, leafRows, values) in _leaves)
        {
            if (onlyLeaf >= 0 && leaf != onlyLeaf)
            {
                continue;
            }

            if (Request.Mode == "covariance")
            {
                // W (count x d) = V (count x d) Sigma (d x d), Sigma symmetric.
                _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, count, d, d, 1f, _vectors, d, values, d, 0f, _products!, d);
            }
            else
            {
                // Z (rows x count) = Y_leaf (rows x d) V^T; W (count x d) = Z^T Y_leaf.
                _device.Sgemm(MatrixTranspose.None, MatrixTranspose.Transpose, leafRows, count, d, 1f, values, d, _vectors, d, 0f, _projections!, count);
                _device.Sgemm(MatrixTranspose.Transpose, MatrixTranspose.None, count, d, leafRows, 1f, _projections!, count, values, d, 0f, _products!, d);
            }

            var part = new float[count * d];
            _products!.Download(part);
            parts.Add(part);
            rows += leafRows;
        }

        if (parts.Count == 0)
        {
            throw new ArgumentException($"leaf {onlyLeaf} is not held by this shard (it holds {string.Join(", ", _leaves.Select(l => l.Leaf))})");
        }

        return LeafLayout.TreeSum(parts);
    }

    public void Dispose()
    {
        foreach (var leaf in _leaves)
        {
            leaf.Values.Dispose();
        }

        _leaves.Clear();
        _vectors?.Dispose();
        _projections?.Dispose();
        _products?.Dispose();
    }

    private void AddLeaf(int leaf, PcaMatrix block)
    {
        var buffer = _device.Allocate<float>(block.Values.LongLength);
        buffer.Upload(block.Values);
        _leaves.Add((leaf, block.Rows, buffer));
    }

    private void EnsureCapacity(int count)
    {
        if (count <= _capacity)
        {
            return;
        }

        _vectors?.Dispose();
        _projections?.Dispose();
        _products?.Dispose();
        var maxRows = Math.Max(1, _leaves.Max(l => l.Rows));
        _vectors = _device.Allocate<float>((long)count * Dimension);
        _projections = _device.Allocate<float>((long)maxRows * count);
        _products = _device.Allocate<float>((long)count * Dimension);
        _capacity = count;
    }

    /// <summary>Sigma = Y^T Y / n of a whole data source, by one GEMM on the device.</summary>
    private static PcaMatrix FormCovariance(IComputeDevice device, PcaSource source)
    {
        var (rows, d) = PcaData.Shape(source);
        var y = PcaData.Rows(source, 0, checked((int)rows));
        using var values = device.Allocate<float>(y.Values.LongLength);
        using var sigma = device.Allocate<float>((long)d * d);
        values.Upload(y.Values);
        device.Sgemm(MatrixTranspose.Transpose, MatrixTranspose.None, d, d, y.Rows, 1f / y.Rows, values, d, values, d, 0f, sigma, d);
        return new PcaMatrix(d, d, sigma.ToArray());
    }
}
