// gcn_loss.cu: the GCN's loss on one part, its gradient into the logits and the per-row correctness, single-label
// (softmax cross-entropy) and multi-label (sigmoid binary cross-entropy, BCEWithLogitsLoss's formula); the CUDA side of
// PartitionModel.ComputeLoss.
//
// Computes, per row i whose split s = split[i] is 0 (train), 1 (validation) or 2 (test); rows with s > 2 are in no split
// (correct[i] = 0, their dz and loss terms 0):
//   gcn_softmax_cross_entropy
//       predicted = the first argmax of z[i, ·] and label = the first argmax of target[i, ·] (strict > over increasing j);
//       correct[i] = (predicted == label). For s = 0 only, with m = z[i, predicted] (float):
//       sum = Σ_j exp((double)(z[i, j] - m)), the difference in float, the sum in double over increasing j;
//       log_sum = (double)m + log(sum);
//       loss_terms[i, j] = -((double)target[i, j] · ((double)z[i, j] - log_sum));
//       dz[i, j] = (float)(exp((double)z[i, j] - log_sum) - (double)target[i, j]) · scale  (a float product).
//   gcn_sigmoid_bce
//       correct[i] = #{ j : (z[i, j] > 0) == (target[i, j] > 0.5) }. For s = 0 only, with x = (double)z[i, j] and
//       t = (double)target[i, j]:
//       loss_terms[i, j] = (max(x, 0) - x · t) + log(1 + exp(-|x|))  (max as Math.Max: NaN stays NaN, -0 gives +0);
//       dz[i, j] = (float)(1 / (1 + exp(-x)) - t) · scale.
//   Every double operation is rounded once, as C# rounds it; exp and log are the platform's (libm on the host, CUDA's
//   on the GPU, which may differ from libm by an ulp: see "CPU twin").
//   The host then adds loss_terms of the train rows in row-major order onto 0 (the loss is that sum / divisor, which the
//   host also forms) and correct[i] into the count of split[i]. That order is the former host loop's, which added each
//   element's term to one running double as it went: a per-row partial sum would round differently, so the kernel
//   hands back the terms themselves. (The CE term is stored negated: loss + (-a) is loss - a exactly in IEEE 754.)
//
// Shapes: n rows (the part's inner nodes), c = classes, float32 row-major unless said.
//   z, target, dz: (n, c); loss_terms: (n, c) float64; split: (n,) uint8; correct: (n,) int32; scale: 1 / divisor.
//
// Launch geometry: 1-D blocks of GCN_LOSS_THREADS = 256 threads, one thread per row (ceil(n / 256) blocks), walking its
//   row's classes in order, because the host sums a row's exponentials serially in double and a tree reduction would
//   give other bits. A warp's 32 threads read 32 rows c floats apart, so the reads are uncoalesced (at c = 40, about
//   8 B moved per useful 4 B through L1), and the 8 B loss term per element doubles what is written; at the model's
//   sizes (10^4 to 10^6 rows, c up to a few hundred) this is one launch per iteration beside the layers' GEMMs. 256
//   threads as the other GCN kernels.
//
// Compile: NVRTC with --fmad=false (CudaDevice's per-module options); every float operation goes through the _rn
//   intrinsics of host_device.cuh and every double operation through the gcn_loss_d* functions below.
//
// CPU twin: src/Orrery.Gcn/Kernels/GcnLossKernels.cs (the oracle PartitionModel runs on the CPU device). The same source
//   is compiled with g++ and run on the host by tests/Orrery.Gcn.Tests/HostEmulation/ (LossKernelTests), where exp and
//   log are glibc's as the twin's Math.Exp/Math.Log are, and compared with the twin bit for bit. On a GPU, CUDA's exp and
//   log (max 1 ulp and 1 ulp in double, CUDA C Programming Guide, Mathematical Functions) may differ from libm's in the
//   last bit, so orrery-gpucheck compares this kernel within a tolerance (GcnChecks), not bitwise.
#include "host_device.cuh"

#define GCN_LOSS_THREADS 256

// Double-precision operations rounded once to nearest even, as C# rounds each double operation; widening float to
// double is exact and written as a cast.
#if defined(__CUDACC__)
__device__ __forceinline__ double gcn_loss_dadd(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double gcn_loss_dsub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ double gcn_loss_dmul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double gcn_loss_ddiv(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double gcn_loss_dabs(double a) { return fabs(a); }
__device__ __forceinline__ double gcn_loss_exp(double a) { return exp(a); }
__device__ __forceinline__ double gcn_loss_log(double a) { return log(a); }
__device__ __forceinline__ float gcn_loss_narrow(double a) { return __double2float_rn(a); }
#else
inline double gcn_loss_dadd(double a, double b) { return a + b; }
inline double gcn_loss_dsub(double a, double b) { return a - b; }
inline double gcn_loss_dmul(double a, double b) { return a * b; }
inline double gcn_loss_ddiv(double a, double b) { return a / b; }
inline double gcn_loss_dabs(double a) { return std::fabs(a); }
inline double gcn_loss_exp(double a) { return std::exp(a); }
inline double gcn_loss_log(double a) { return std::log(a); }
inline float gcn_loss_narrow(double a) { return static_cast<float>(a); }
#endif

// Math.Max(x, 0): x when x > 0 or x is NaN, +0 otherwise (also for x = -0). fmax would turn a NaN into 0.
ORR_HD double gcn_loss_max0(double x) { return (x > 0.0 || x != x) ? x : 0.0; }

extern "C" __global__ void __launch_bounds__(GCN_LOSS_THREADS) gcn_softmax_cross_entropy(
    const float* __restrict__ z, const float* __restrict__ target, const unsigned char* __restrict__ split,
    float* __restrict__ dz, double* __restrict__ loss_terms, int* __restrict__ correct, int n, int classes, float scale)
{
    const long long i = (long long)blockIdx.x * GCN_LOSS_THREADS + threadIdx.x;
    if (i >= n) {
        return;
    }
    const float* logits = z + i * classes;
    const float* labels = target + i * classes;
    float* gradient = dz + i * classes;
    double* terms = loss_terms + i * classes;
    const int s = split[i];
    int predicted = 0, label = 0;
    for (int j = 1; j < classes; ++j) {
        predicted = logits[j] > logits[predicted] ? j : predicted;
        label = labels[j] > labels[label] ? j : label;
    }
    correct[i] = s <= 2 && predicted == label ? 1 : 0;
    if (s != 0) {
        for (int j = 0; j < classes; ++j) {
            gradient[j] = 0.0f;
            terms[j] = 0.0;
        }
        return;
    }
    const float max = logits[predicted];
    double sum = 0.0;
    for (int j = 0; j < classes; ++j) {
        sum = gcn_loss_dadd(sum, gcn_loss_exp((double)orr_fsub(logits[j], max)));
    }
    const double log_sum = gcn_loss_dadd((double)max, gcn_loss_log(sum));
    for (int j = 0; j < classes; ++j) {
        const double shifted = gcn_loss_dsub((double)logits[j], log_sum);
        terms[j] = -gcn_loss_dmul((double)labels[j], shifted);
        gradient[j] = orr_fmul(gcn_loss_narrow(gcn_loss_dsub(gcn_loss_exp(shifted), (double)labels[j])), scale);
    }
}

extern "C" __global__ void __launch_bounds__(GCN_LOSS_THREADS) gcn_sigmoid_bce(
    const float* __restrict__ z, const float* __restrict__ target, const unsigned char* __restrict__ split,
    float* __restrict__ dz, double* __restrict__ loss_terms, int* __restrict__ correct, int n, int classes, float scale)
{
    const long long i = (long long)blockIdx.x * GCN_LOSS_THREADS + threadIdx.x;
    if (i >= n) {
        return;
    }
    const float* logits = z + i * classes;
    const float* labels = target + i * classes;
    float* gradient = dz + i * classes;
    double* terms = loss_terms + i * classes;
    const int s = split[i];
    int agreeing = 0;
    for (int j = 0; j < classes; ++j) {
        agreeing += (logits[j] > 0.0f) == (labels[j] > 0.5f) ? 1 : 0;
    }
    correct[i] = s <= 2 ? agreeing : 0;
    for (int j = 0; j < classes; ++j) {
        if (s != 0) {
            gradient[j] = 0.0f;
            terms[j] = 0.0;
            continue;
        }
        const double x = (double)logits[j];
        const double t = (double)labels[j];
        const double softplus = gcn_loss_log(gcn_loss_dadd(1.0, gcn_loss_exp(-gcn_loss_dabs(x))));
        terms[j] = gcn_loss_dadd(gcn_loss_dsub(gcn_loss_max0(x), gcn_loss_dmul(x, t)), softplus);
        const double sigmoid = gcn_loss_ddiv(1.0, gcn_loss_dadd(1.0, gcn_loss_exp(-x)));
        gradient[j] = orr_fmul(gcn_loss_narrow(gcn_loss_dsub(sigmoid, t)), scale);
    }
}
