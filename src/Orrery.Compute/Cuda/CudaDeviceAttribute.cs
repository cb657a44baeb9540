namespace Orrery.Compute.Cuda;

/// <summary>The few <c>CUdevice_attribute</c> values the backend reads, names and values as in <c>cuda.h</c>.</summary>
internal enum CudaDeviceAttribute
{
    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
    CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
}
