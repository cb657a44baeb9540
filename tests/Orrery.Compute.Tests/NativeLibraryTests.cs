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
                continue; // a machine with the CUDA toolkit; tests/Orrery.GpuCheck covers that side
            }

            Assert.Contains($"{library.Candidates[0]}, {library.Candidates[1]} not found", library.Note);
            Assert.Contains("install the CUDA toolkit", library.Note);
            Assert.Throws<NativeLibraryMissingException>(library.Require);
        }
    }

    [Fact]
    public void AHiddenLibraryIsAbsentWithANoteNamingTheVariable()
    {
        // libc is on every Linux machine, so only the variable can make it absent.
        var hidden = new NativeLibraryProbe("C library", "libc-test", ["libc.so.6"], [], "", hideName: "libc", hiddenLibraries: "cuda, LIBC");
        Assert.False(hidden.IsAvailable);
        Assert.True(hidden.IsHidden);
        Assert.Equal(0, hidden.Handle);
        Assert.Equal("libc.so.6 hidden by ORRERY_HIDE_NATIVE_LIBRARIES=cuda, LIBC", hidden.Note);
        Assert.Equal("C library is not available: libc.so.6 hidden by ORRERY_HIDE_NATIVE_LIBRARIES=cuda, LIBC", Assert.Throws<NativeLibraryMissingException>(hidden.Require).Message);

        var listedElsewhere = new NativeLibraryProbe("C library", "libc-test", ["libc.so.6"], [], "", hideName: "libc", hiddenLibraries: "libcx,openblas");
        Assert.True(listedElsewhere.IsAvailable);
        Assert.False(listedElsewhere.IsHidden);
    }

    [Theory]
    [InlineData("openblas", "openblas", true)]
    [InlineData(" cuda ,OpenBLAS ", "openblas", true)]
    [InlineData("cuda,nvrtc,cublas", "openblas", false)]
    [InlineData("openblas64", "openblas", false)]
    [InlineData("", "openblas", false)]
    [InlineData(null, "openblas", false)]
    [InlineData("openblas", "", false)]
    public void TheHideVariableIsACommaSeparatedCaseInsensitiveList(string? value, string hideName, bool hidden)
    {
        Assert.Equal(hidden, NativeLibraryProbe.Lists(value, hideName));
    }

    [Fact]
    public void EveryOptionalLibraryCanBeHiddenByName()
    {
        Assert.Equal("cuda", NativeLibraries.CudaDriver.HideName);
        Assert.Equal("nvrtc", NativeLibraries.Nvrtc.HideName);
        Assert.Equal("cublas", NativeLibraries.CuBlas.HideName);
        Assert.Equal("openblas", NativeLibraries.OpenBlas.HideName);
        Assert.Equal("ORRERY_HIDE_NATIVE_LIBRARIES", NativeLibraryProbe.HideVariable);
    }

    [SkippableFact]
    public void OpenBlasIsInstalledByTheTestScript()
    {
        Skip.If(NativeLibraries.OpenBlas.IsHidden, "ORRERY_HIDE_NATIVE_LIBRARIES hides OpenBLAS: the suite runs on the managed GEMM");

        Assert.True(NativeLibraries.OpenBlas.IsAvailable, NativeLibraries.OpenBlas.Note);
    }
}
