using System.Globalization;

namespace Orrery.GpuCheck;

/// <summary>
/// llm.c's <c>validate_result</c>: every element must satisfy |actual - expected| &lt;= atol + rtol·|expected|,
/// and the largest error is reported whether or not it passes.
/// </summary>
internal readonly record struct Comparison(long Elements, double MaxAbsError, long Failures, string FirstFailure)
{
    public bool Passed => Failures == 0;

    public static Comparison Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol)
    {
        if (actual.Length != expected.Length)
        {
            return new Comparison(expected.Length, double.PositiveInfinity, expected.Length, $"length {actual.Length} vs {expected.Length}");
        }

        double worst = 0;
        long failures = 0;
        var first = "";
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= atol + (rtol * Math.Abs((double)expected[i]))))
            {
                if (failures++ == 0)
                {
                    first = $"[{i}]: {actual[i]:R} vs {expected[i]:R}";
                }
            }

            worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }

        return new Comparison(expected.Length, worst, failures, first);
    }

    /// <summary>Bit-for-bit equality of 32-bit words (random numbers, exact sums).</summary>
    public static Comparison Exact(ReadOnlySpan<uint> actual, ReadOnlySpan<uint> expected)
    {
        if (actual.Length != expected.Length)
        {
            return new Comparison(expected.Length, double.PositiveInfinity, expected.Length, $"length {actual.Length} vs {expected.Length}");
        }

        long failures = 0;
        var first = "";
        for (var i = 0; i < expected.Length; i++)
        {
            if (actual[i] != expected[i] && failures++ == 0)
            {
                first = $"[{i}]: 0x{actual[i]:x8} vs 0x{expected[i]:x8}";
            }
        }

        return new Comparison(expected.Length, failures == 0 ? 0 : double.NaN, failures, first);
    }

    /// <summary>
    /// Compares <paramref name="actual"/> with <paramref name="expected"/> bit for bit. Elements is the length, the
    /// error the largest |actual − expected| over the differing elements (infinity where either is NaN or infinite),
    /// failures the count of elements whose bits differ.
    /// </summary>
    public static Comparison Bitwise(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
        {
            return new Comparison(expected.Length, double.PositiveInfinity, expected.Length, $"length {actual.Length} vs {expected.Length}");
        }

        double worst = 0;
        long failures = 0;
        var first = "";
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToUInt32Bits(actual[i]) == BitConverter.SingleToUInt32Bits(expected[i]))
            {
                continue;
            }

            if (failures++ == 0)
            {
                first = string.Create(CultureInfo.InvariantCulture, $"[{i}]: {actual[i]:R} vs {expected[i]:R}");
            }

            var error = Math.Abs((double)actual[i] - expected[i]);

            // +0 against -0 differs in bits but not in value: it still counts, with an error of 0.
            worst = double.IsFinite(error) ? Math.Max(worst, error) : double.PositiveInfinity;
        }

        return new Comparison(expected.Length, worst, failures, first);
    }
}
