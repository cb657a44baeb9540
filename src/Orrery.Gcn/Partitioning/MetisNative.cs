using System.Reflection;
using System.Runtime.InteropServices;

namespace Orrery.Gcn.Partitioning;

/// <summary>
/// P/Invoke to METIS 5 (Debian's libmetis5: idx_t and real_t are 32-bit). C names verbatim. Return codes:
/// METIS_OK = 1, METIS_ERROR_INPUT = −2, METIS_ERROR_MEMORY = −3, METIS_ERROR = −4.
/// </summary>
internal static unsafe partial class MetisNative
{
    public const int Ok = 1;
    public const int OptionCount = 40;       // METIS_NOPTIONS
    public const int OptionObjectiveType = 1; // METIS_OPTION_OBJTYPE
    public const int OptionSeed = 8;          // METIS_OPTION_SEED
    public const int ObjectiveVolume = 1;     // METIS_OBJTYPE_VOL

    private const string Library = "metis";

    static MetisNative() => NativeLibrary.SetDllImportResolver(typeof(MetisNative).Assembly, Resolve);

    [LibraryImport(Library, EntryPoint = "METIS_SetDefaultOptions")]
    public static partial int METIS_SetDefaultOptions(int* options);

    [LibraryImport(Library, EntryPoint = "METIS_PartGraphKway")]
    public static partial int METIS_PartGraphKway(
        int* nvtxs, int* ncon, int* xadj, int* adjncy, int* vwgt, int* vsize, int* adjwgt, int* nparts,
        float* tpwgts, float* ubvec, int* options, int* objval, int* part);

    /// <summary>True when libmetis can be loaded; <paramref name="note"/> says what was tried otherwise.</summary>
    public static bool TryLoad(out string note)
    {
        foreach (var name in Candidates)
        {
            if (NativeLibrary.TryLoad(name, out _))
            {
                note = name;
                return true;
            }
        }

        note = $"libmetis is not installed (tried {string.Join(", ", Candidates)}); install the Debian package libmetis5 (apt-get install libmetis5) or use partitioning: random";
        return false;
    }

    private static readonly string[] Candidates = ["libmetis.so.5", "libmetis.so", "metis"];

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
