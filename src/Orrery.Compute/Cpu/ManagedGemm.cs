using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Orrery.Compute.Cpu;

// Orrery's own SGEMM, used by CpuDevice when OpenBLAS is not installed. Row-major, C = alpha op(A) op(B) + beta C.
//
// Blocking (the GotoBLAS/BLIS loop nest, with its outer loops turned into independent tiles of C):
//   * Micro-kernel MR × NR = 6 × 16 (AVX2+FMA): per step of k it loads 16 floats of B (two ymm), broadcasts 6
//     floats of A and does 12 FMAs into 12 ymm accumulators: 15 of the 16 ymm registers, 96 multiply-adds per
//     22 floats loaded. C is read and written once per 256 steps of k, not once per step.
//   * KC = 256 steps of k per pass: a packed B sliver (KC × NR, 16 KiB) stays in a 32 KiB L1d while the 24
//     A slivers of the block (KC × MR each, 6 KiB) stream past it.
//   * MC = 144 rows: the packed A block (MC × KC, 144 KiB) stays in L2 (512 KiB and up on the x64 CPUs we
//     run on) while every B sliver of the tile is multiplied against it.
//   * NC = 1024 columns: the packed B panel of a tile (KC × NC, 1 MiB) lives in L2/L3 and is read once per pass.
// Packing copies op(A) and op(B) into those sliver layouts (zero-padded to whole slivers), so the kernel
// reads both with unit stride whatever the transposes and strides. Packing pays only when a sliver is reused:
// a tile of at most two B slivers (n <= 32, the PCA shards' Y V with n = 16) reads A where it lies, and one of
// at most three A slivers (m <= 18, the shards' Vᵀ Yᵀ Y with m = 16) reads an untransposed B where it lies;
// for those shapes the product is bound by reading A or B from memory once, and a copy would double that.
// Edge blocks (fewer than 6 rows or 16 columns left) are computed whole and only their valid part is stored.
//
// Parallelism: C is cut into tiles of at most MC × NC, at least 4 per core when the product is large enough,
// and Parallel.For runs the tiles; each tile does its whole k loop with its own packing buffers, so workers
// share nothing but the read-only inputs and never synchronize inside a product. A tile's result does not
// depend on which thread runs it or on the tile shape (k is always split at multiples of KC), so a product
// is bit-identical from run to run and on any number of cores.
//
// The portable kernel does the same with Vector<float> (6 × 2·Vector<float>.Count) for CPUs without AVX2+FMA.

/// <summary>
/// A cache-blocked, packed, vectorised and multi-threaded SGEMM on row-major matrices with BLAS semantics:
/// C = alpha op(A) op(B) + beta C; beta = 0 overwrites C without reading it; alpha = 0 or k = 0 only scales C
/// and reads neither A nor B. The blocking is explained at the top of this file.
/// </summary>
internal static unsafe partial class ManagedGemm
{
    /// <summary>Rows of C per micro-kernel call.</summary>
    public const int MR = 6;

    /// <summary>Steps of k per pass over a tile.</summary>
    public const int KC = 256;

    /// <summary>Largest number of rows of C in one tile.</summary>
    public const int MC = 144;

    /// <summary>Largest number of columns of C in one tile.</summary>
    public const int NC = 1024;

    /// <summary>
    /// Products of at most 64³ multiply-adds (~10 µs on one core) run on the calling thread: waking the
    /// pool's workers costs about as much.
    /// </summary>
    private const long SerialWork = 64 * 64 * 64;

    /// <summary>The fastest kernel this CPU runs.</summary>
    public static ManagedGemmKernel Best { get; } = HasAvx2Fma ? ManagedGemmKernel.Avx2Fma : ManagedGemmKernel.PortableVector;

    /// <summary>True when this CPU runs <see cref="ManagedGemmKernel.Avx2Fma"/>.</summary>
    public static bool HasAvx2Fma => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>"AVX2+FMA" or "Vector&lt;float&gt; × 8", for notes.</summary>
    public static string Describe(ManagedGemmKernel kernel) =>
        kernel == ManagedGemmKernel.Avx2Fma ? "AVX2+FMA" : $"Vector<float> x {Vector<float>.Count}";

    /// <summary>Columns of C per micro-kernel call: 16, or two Vector&lt;float&gt; for the portable kernel.</summary>
    public static int ColumnsPerKernel(ManagedGemmKernel kernel) =>
        kernel == ManagedGemmKernel.Avx2Fma ? 16 : 2 * Vector<float>.Count;

    /// <summary>
    /// C = alpha op(A) op(B) + beta C. op(A) is m×k (A stored m×k, or k×m when transposed, row stride
    /// <paramref name="lda"/>), op(B) k×n, C m×n with row stride <paramref name="ldc"/>. Shapes and strides
    /// must already be checked (<see cref="GemmArguments"/>); on all cores unless <paramref name="workers"/> says fewer.
    /// </summary>
    public static void Sgemm(
        MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc,
        ManagedGemmKernel kernel, int workers = 0)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (alpha == 0 || k == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        if (kernel == ManagedGemmKernel.Avx2Fma && !HasAvx2Fma)
        {
            throw new PlatformNotSupportedException("the AVX2+FMA GEMM kernel needs a CPU with AVX2 and FMA");
        }

        workers = workers > 0 ? workers : Environment.ProcessorCount;
        var product = new Product(transposeA == MatrixTranspose.Transpose, transposeB == MatrixTranspose.Transpose, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kernel);
        var plan = TilePlan.For(m, n, ColumnsPerKernel(kernel), (long)m * n * k <= SerialWork ? 1 : workers);
        if (plan.Count == 1 || workers == 1)
        {
            using var buffers = new PackBuffers(plan, k, ColumnsPerKernel(kernel));
            for (var tile = 0; tile < plan.Count; tile++)
            {
                RunTile(product, plan, tile, buffers);
            }

            return;
        }

        Parallel.For(
            0,
            plan.Count,
            new ParallelOptions { MaxDegreeOfParallelism = workers },
            () => new PackBuffers(plan, k, ColumnsPerKernel(kernel)),
            (tile, _, buffers) =>
            {
                RunTile(product, plan, tile, buffers);
                return buffers;
            },
            buffers => buffers.Dispose());
    }

    /// <summary>One tile of C: every pass of KC steps of k, packing op(A) and op(B) for it and running the kernel over its slivers.</summary>
    private static void RunTile(in Product product, in TilePlan plan, int tile, PackBuffers buffers)
    {
        var nr = ColumnsPerKernel(product.Kernel);
        var i0 = tile / plan.ColumnTiles * plan.TileRows;
        var j0 = tile % plan.ColumnTiles * plan.TileColumns;
        var rows = Math.Min(plan.TileRows, product.M - i0);
        var columns = Math.Min(plan.TileColumns, product.N - j0);
        for (var p0 = 0; p0 < product.K; p0 += KC)
        {
            var kc = Math.Min(KC, product.K - p0);

            // A is packed when the tile has three or more B slivers to amortise it over; with one or two
            // (n = 16: the PCA shards' Y V), packing would cost as much as the product, so the kernel reads
            // op(A) where it lies, six rows at a time, each along k with unit stride (or six adjacent values
            // per step of k when A is transposed). Likewise B, untransposed, in tiles of at most three A slivers
            // (m = 16: the shards' Vᵀ Yᵀ Y): the kernel reads each step's 16 values from B's row, and packs
            // only a last, partial sliver, whose row may end before 16 values.
            var packA = columns > 2 * nr;
            var packB = product.TransposeB || rows > 3 * MR;
            if (packA)
            {
                PackA(product, i0, rows, p0, kc, buffers.A);
            }

            if (packB)
            {
                PackB(product, j0, columns, p0, kc, nr, buffers.B);
            }
            else if (columns % nr != 0)
            {
                var last = columns / nr * nr;
                PackB(product, j0 + last, columns - last, p0, kc, nr, buffers.B + ((nint)last * kc));
            }

            // beta applies once, in the first pass; later passes add to what the first left in C.
            var mode = p0 > 0 || product.Beta == 1 ? StoreMode.Accumulate : product.Beta == 0 ? StoreMode.Overwrite : StoreMode.Scale;
            var epilogue = new Epilogue(product.Alpha, product.Beta, mode);
            for (var jr = 0; jr < columns; jr += nr)
            {
                var cols = Math.Min(nr, columns - jr);
                float* b;
                nint bStride;
                if (packB || cols < nr)
                {
                    b = buffers.B + ((nint)jr * kc);
                    bStride = nr;
                }
                else
                {
                    b = product.B + ((nint)p0 * product.Ldb) + j0 + jr;
                    bStride = product.Ldb;
                }

                for (var ir = 0; ir < rows; ir += MR)
                {
                    float* a;
                    nint rowStride, stepStride;
                    if (packA)
                    {
                        a = buffers.A + ((nint)ir * kc);
                        (rowStride, stepStride) = (1, MR);
                    }
                    else if (product.TransposeA)
                    {
                        a = product.A + ((nint)p0 * product.Lda) + i0 + ir;
                        (rowStride, stepStride) = (1, product.Lda);
                    }
                    else
                    {
                        a = product.A + ((nint)(i0 + ir) * product.Lda) + p0;
                        (rowStride, stepStride) = (product.Lda, 1);
                    }

                    var c = product.C + ((nint)(i0 + ir) * product.Ldc) + j0 + jr;
                    if (product.Kernel == ManagedGemmKernel.Avx2Fma)
                    {
                        KernelAvx2Fma(a, rowStride, stepStride, b, bStride, kc, c, product.Ldc, Math.Min(MR, rows - ir), cols, epilogue);
                    }
                    else
                    {
                        KernelPortable(a, rowStride, stepStride, b, bStride, kc, c, product.Ldc, Math.Min(MR, rows - ir), cols, epilogue);
                    }
                }
            }
        }
    }

    /// <summary>C = beta C over m×n (zeros when beta is 0, whatever C held): the whole product when alpha or k is 0.</summary>
    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1)
        {
            return;
        }

        for (var i = 0; i < m; i++)
        {
            var row = new Span<float>(c + ((nint)i * ldc), n);
            if (beta == 0)
            {
                row.Clear();
                continue;
            }

            for (var j = 0; j < row.Length; j++)
            {
                row[j] *= beta;
            }
        }
    }

    /// <summary>The operands of one product, as the tiles read them.</summary>
    private readonly struct Product(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, ManagedGemmKernel kernel)
    {
        public readonly bool TransposeA = transposeA;
        public readonly bool TransposeB = transposeB;
        public readonly int M = m;
        public readonly int N = n;
        public readonly int K = k;
        public readonly float Alpha = alpha;
        public readonly float* A = a;
        public readonly int Lda = lda;
        public readonly float* B = b;
        public readonly int Ldb = ldb;
        public readonly float Beta = beta;
        public readonly float* C = c;
        public readonly int Ldc = ldc;
        public readonly ManagedGemmKernel Kernel = kernel;
    }

    /// <summary>One worker's packing space, 64-byte aligned: an A block (tile rows × KC) and a B panel (KC × tile columns).</summary>
    private sealed class PackBuffers : IDisposable
    {
        public PackBuffers(in TilePlan plan, int k, int nr)
        {
            var depth = Math.Min(KC, k);
            A = (float*)NativeMemory.AlignedAlloc((nuint)(RoundUp(plan.TileRows, MR) * depth * sizeof(float)), HostMemoryHandle.Alignment);
            B = (float*)NativeMemory.AlignedAlloc((nuint)(RoundUp(plan.TileColumns, nr) * depth * sizeof(float)), HostMemoryHandle.Alignment);
        }

        public float* A { get; }

        public float* B { get; }

        public void Dispose()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
        }
    }

    /// <summary>How C is cut into tiles: <see cref="RowTiles"/> × <see cref="ColumnTiles"/> of <see cref="TileRows"/> × <see cref="TileColumns"/>.</summary>
    private readonly record struct TilePlan(int RowTiles, int ColumnTiles, int TileRows, int TileColumns)
    {
        public int Count => RowTiles * ColumnTiles;

        /// <summary>
        /// Tiles of at most MC × NC; then, while there are fewer than 4 per worker (so a slow or late worker
        /// costs at most a quarter of its share), the longer side gets one more tile, as long as its tiles keep
        /// about 4 slivers (24 rows, or 4·NR columns): below that, packing costs more than the parallelism gains.
        /// </summary>
        public static TilePlan For(int m, int n, int nr, int workers)
        {
            int rowTiles = Ceiling(m, MC), columnTiles = Ceiling(n, NC);
            var target = workers == 1 ? 1 : 4 * workers;
            while (rowTiles * columnTiles < target)
            {
                int rows = Ceiling(m, rowTiles), columns = Ceiling(n, columnTiles);
                bool rowsSplit = rows >= 8 * MR, columnsSplit = columns >= 8 * nr;
                if (columnsSplit && (columns >= rows || !rowsSplit))
                {
                    columnTiles++;
                }
                else if (rowsSplit)
                {
                    rowTiles++;
                }
                else
                {
                    break;
                }
            }

            // Whole slivers per tile, so only the last tile in a row or column has a partial sliver.
            var tileRows = RoundUp(Ceiling(m, rowTiles), MR);
            var tileColumns = RoundUp(Ceiling(n, columnTiles), nr);
            return new TilePlan(Ceiling(m, tileRows), Ceiling(n, tileColumns), tileRows, tileColumns);
        }
    }

    private static int Ceiling(int value, int divisor) => (int)(((long)value + divisor - 1) / divisor);

    private static int RoundUp(int value, int multiple) => Ceiling(value, multiple) * multiple;
}
