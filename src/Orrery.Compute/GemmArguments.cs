namespace Orrery.Compute;

/// <summary>The checks every backend's <see cref="IComputeDevice.Sgemm"/> makes before calling BLAS, so both reject the same input with the same message.</summary>
internal static class GemmArguments
{
    public static void Validate(
        IComputeDevice device, MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        DeviceBuffer<float> a, int lda, DeviceBuffer<float> b, int ldb, DeviceBuffer<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);

        // Row-major storage: A is m×k, or k×m when op(A) = Aᵀ; likewise B is k×n or n×k.
        var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
        var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
        Check(device, "a", a, rowsA, columnsA, lda, nameof(lda));
        Check(device, "b", b, rowsB, columnsB, ldb, nameof(ldb));
        Check(device, "c", c, m, n, ldc, nameof(ldc));
    }

    private static void Check(IComputeDevice device, string name, DeviceBuffer<float> buffer, int rows, int columns, int stride, string strideName)
    {
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        if (!ReferenceEquals(buffer.Device, device))
        {
            throw new ArgumentException($"sgemm: {name} lives on {buffer.Device.Name}, not on {device.Name}", name);
        }

        if (stride < Math.Max(1, columns))
        {
            throw new ArgumentOutOfRangeException(strideName, stride, $"sgemm: {strideName} is {stride}; {name} is stored {rows}×{columns} row-major, so it must be at least {Math.Max(1, columns)}");
        }

        var needed = rows == 0 || columns == 0 ? 0 : ((long)rows - 1) * stride + columns;
        if (buffer.Length < needed)
        {
            throw new ArgumentException($"sgemm: {name} holds {buffer.Length} floats; {rows}×{columns} with row stride {stride} needs {needed}", name);
        }
    }
}
