using Orrery.Compute.Cuda;
using Orrery.Compute.Native;

namespace Orrery.Compute.Tests;

/// <summary>Result codes map to the names documented in cuda.h, nvrtc.h and cublas_api.h, whether or not the libraries are installed.</summary>
public sealed class CudaErrorTests
{
    [Theory]
    [InlineData(0, "CUDA_SUCCESS")]
    [InlineData(1, "CUDA_ERROR_INVALID_VALUE")]
    [InlineData(2, "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(3, "CUDA_ERROR_NOT_INITIALIZED")]
    [InlineData(4, "CUDA_ERROR_DEINITIALIZED")]
    [InlineData(34, "CUDA_ERROR_STUB_LIBRARY")]
    [InlineData(36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER")]
    [InlineData(46, "CUDA_ERROR_DEVICE_UNAVAILABLE")]
    [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
    [InlineData(101, "CUDA_ERROR_INVALID_DEVICE")]
    [InlineData(200, "CUDA_ERROR_INVALID_IMAGE")]
    [InlineData(201, "CUDA_ERROR_INVALID_CONTEXT")]
    [InlineData(209, "CUDA_ERROR_NO_BINARY_FOR_GPU")]
    [InlineData(218, "CUDA_ERROR_INVALID_PTX")]
    [InlineData(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [InlineData(301, "CUDA_ERROR_FILE_NOT_FOUND")]
    [InlineData(400, "CUDA_ERROR_INVALID_HANDLE")]
    [InlineData(500, "CUDA_ERROR_NOT_FOUND")]
    [InlineData(600, "CUDA_ERROR_NOT_READY")]
    [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES")]
    [InlineData(702, "CUDA_ERROR_LAUNCH_TIMEOUT")]
    [InlineData(709, "CUDA_ERROR_CONTEXT_IS_DESTROYED")]
    [InlineData(710, "CUDA_ERROR_ASSERT")]
    [InlineData(715, "CUDA_ERROR_ILLEGAL_INSTRUCTION")]
    [InlineData(716, "CUDA_ERROR_MISALIGNED_ADDRESS")]
    [InlineData(719, "CUDA_ERROR_LAUNCH_FAILED")]
    [InlineData(800, "CUDA_ERROR_NOT_PERMITTED")]
    [InlineData(801, "CUDA_ERROR_NOT_SUPPORTED")]
    [InlineData(802, "CUDA_ERROR_SYSTEM_NOT_READY")]
    [InlineData(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH")]
    [InlineData(804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE")]
    [InlineData(900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED")]
    [InlineData(909, "CUDA_ERROR_TIMEOUT")]
    [InlineData(912, "CUDA_ERROR_INVALID_CLUSTER_SIZE")]
    [InlineData(999, "CUDA_ERROR_UNKNOWN")]
    public void DriverResultsHaveTheirDocumentedNames(int code, string name)
    {
        Assert.Equal(name, CudaErrors.Name((CudaResult)code));
    }

    [Theory]
    [InlineData(0, "NVRTC_SUCCESS")]
    [InlineData(1, "NVRTC_ERROR_OUT_OF_MEMORY")]
    [InlineData(2, "NVRTC_ERROR_PROGRAM_CREATION_FAILURE")]
    [InlineData(3, "NVRTC_ERROR_INVALID_INPUT")]
    [InlineData(4, "NVRTC_ERROR_INVALID_PROGRAM")]
    [InlineData(5, "NVRTC_ERROR_INVALID_OPTION")]
    [InlineData(6, "NVRTC_ERROR_COMPILATION")]
    [InlineData(7, "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE")]
    [InlineData(11, "NVRTC_ERROR_INTERNAL_ERROR")]
    [InlineData(12, "NVRTC_ERROR_TIME_FILE_WRITE_FAILED")]
    public void NvrtcResultsHaveTheirDocumentedNames(int code, string name)
    {
        Assert.Equal(name, CudaErrors.Name((NvrtcResult)code));
    }

    [Theory]
    [InlineData(0, "CUBLAS_STATUS_SUCCESS")]
    [InlineData(1, "CUBLAS_STATUS_NOT_INITIALIZED")]
    [InlineData(3, "CUBLAS_STATUS_ALLOC_FAILED")]
    [InlineData(7, "CUBLAS_STATUS_INVALID_VALUE")]
    [InlineData(8, "CUBLAS_STATUS_ARCH_MISMATCH")]
    [InlineData(11, "CUBLAS_STATUS_MAPPING_ERROR")]
    [InlineData(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    [InlineData(14, "CUBLAS_STATUS_INTERNAL_ERROR")]
    [InlineData(15, "CUBLAS_STATUS_NOT_SUPPORTED")]
    [InlineData(16, "CUBLAS_STATUS_LICENSE_ERROR")]
    public void CublasStatusesHaveTheirDocumentedNames(int code, string name)
    {
        Assert.Equal(name, CudaErrors.Name((CublasStatus)code));
    }

    [Fact]
    public void UndocumentedCodesAreStillNamedByNumber()
    {
        Assert.Equal("NVRTC error 4242", CudaErrors.Name((NvrtcResult)4242));
        Assert.Equal("cuBLAS status 2", CudaErrors.Name((CublasStatus)2));
        if (!NativeLibraries.CudaDriver.IsAvailable)
        {
            // With a driver loaded, cuGetErrorName gets the first say for codes newer than our table.
            Assert.Equal("CUDA error 12345", CudaErrors.Name((CudaResult)12345));
        }
    }

    [Fact]
    public void FailuresCarryTheCallAndTheErrorName()
    {
        var error = Assert.Throws<CudaException>(() => CudaErrors.Check(CudaResult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2", "allocating 1024 bytes on cuda:0"));
        Assert.StartsWith("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY", error.Message);
        Assert.EndsWith("; allocating 1024 bytes on cuda:0", error.Message);
        Assert.Equal(("CUDA driver", "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY"), (error.Library, error.Call, error.Code, error.ErrorName));

        var nvrtc = Assert.Throws<CudaException>(() => CudaErrors.Check(NvrtcResult.NVRTC_ERROR_INVALID_OPTION, "nvrtcCompileProgram"));
        Assert.Equal("nvrtcCompileProgram failed: NVRTC_ERROR_INVALID_OPTION", nvrtc.Message);
        Assert.Equal("NVRTC", nvrtc.Library);

        var cublas = Assert.Throws<CudaException>(() => CudaErrors.Check(CublasStatus.CUBLAS_STATUS_INVALID_VALUE, "cublasSgemm_v2"));
        Assert.Equal("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE", cublas.Message);

        CudaErrors.Check(CudaResult.CUDA_SUCCESS, "cuInit");
        CudaErrors.Check(NvrtcResult.NVRTC_SUCCESS, "nvrtcVersion");
        CudaErrors.Check(CublasStatus.CUBLAS_STATUS_SUCCESS, "cublasCreate_v2");
    }

    [Fact]
    public void CompileFailuresCarryNvrtcsLog()
    {
        const string log = "check.cu(12): error: identifier \"undefined_thing\" is undefined\n\n1 error detected in the compilation of \"check.cu\".\n";
        var error = new KernelCompilationException("check.cu", "sm_90", 6, "NVRTC_ERROR_COMPILATION", log);
        Assert.StartsWith("nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION; compiling check.cu for sm_90:", error.Message);
        Assert.Contains("check.cu(12): error: identifier \"undefined_thing\" is undefined", error.Message);
        Assert.Equal(log, error.Log);
    }
}
