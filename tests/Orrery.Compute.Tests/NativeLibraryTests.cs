using Orrery.Compute.Native;

namespace Orrery.Compute.Tests;

public sealed class NativeLibraryTests
{
    [Fact]
    public void AnAbsentLibraryFailsWithANoteInsteadOfDllNotFound()
    {
        var directory = Directory.CreateTempSubdirectory("orrery-native-").FullName;
        try
        {
            var probe = new NativeLibraryProbe("Example", "libexample", ["libexample.so.13", "libexample.so.12"], [directory], "install libexample");

            Assert.False(probe.IsAvailable);
            Assert.Equal(0, probe.Handle);
            Assert.Equal($"libexample.so.13, libexample.so.12 not found (searched the loader path and {directory}); install libexample", probe.Note);
            var error = Assert.Throws<NativeLibraryMissingException>(probe.Require);
            Assert.Equal("Example is not available: " + probe.Note, error.Message);
            Assert.Equal("Example", error.Library);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void VersionedSonamesAreTriedInOrder()
    {
        // libc's soname is on every Linux machine; the first, absent candidate is skipped.
        var probe = new NativeLibraryProbe("C library", "libc-test", ["libdoes-not-exist.so.99", "libc.so.6"], [], "");
        Assert.True(probe.IsAvailable);
        Assert.Equal("libc.so.6", probe.Note);
    }

    [Fact]
    public void CudaToolkitLibrariesAreLookedUpByTheirVersionedSonames()
    {
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12"], NativeLibraries.Nvrtc.Candidates);
        Assert.Equal(["libcublas.so.13", "libcublas.so.12"], NativeLibraries.CuBlas.Candidates);
        Assert.Equal(["libcuda.so.1"], NativeLibraries.CudaDriver.Candidates);
        Assert.Equal(["libopenblas.so.0", "libcblas.so.3"], NativeLibraries.OpenBlas.Candidates);
    }

    [Fact]
    public void MissingNvrtcAndCublasSayWhatWasTriedAndHowToInstall()
    {
        foreach (var library in new[] { NativeLibraries.Nvrtc, NativeLibraries.CuBlas })
        {
            if (library.IsAvailable)
            {
                continue; // a machine with the CUDA toolkit; bench/GpuCheck covers that side
            }

            Assert.Contains($"{library.Candidates[0]}, {library.Candidates[1]} not found", library.Note);
            Assert.Contains("install the CUDA toolkit", library.Note);
            Assert.Throws<NativeLibraryMissingException>(library.Require);
        }
    }

    [Fact]
    public void OpenBlasIsInstalledByTheTestScript()
    {
        Assert.True(NativeLibraries.OpenBlas.IsAvailable, NativeLibraries.OpenBlas.Note);
    }
}
