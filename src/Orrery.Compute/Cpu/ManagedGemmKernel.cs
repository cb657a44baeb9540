namespace Orrery.Compute.Cpu;

/// <summary>The micro-kernel <see cref="ManagedGemm"/> runs: 6 rows of C by two vectors of columns, accumulated in registers.</summary>
internal enum ManagedGemmKernel
{
    /// <summary><see cref="System.Numerics.Vector{T}"/> arithmetic: 6 × (2 × Vector&lt;float&gt;.Count), for CPUs without AVX2 and FMA (Arm64, old x64).</summary>
    PortableVector,

    /// <summary><see cref="System.Runtime.Intrinsics.Vector256{T}"/> with FMA: 6 × 16, twelve accumulators in the sixteen ymm registers.</summary>
    Avx2Fma,
}
