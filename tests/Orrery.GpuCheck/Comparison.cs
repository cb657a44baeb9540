using System.Globalization;

namespace Orrery.GpuCheck;

/// <summary>
/// llm.c's <c>validate_result</c>: every element must satisfy |actual - expected| &lt;= atol + rtol·|expected|,
/// and the largest error is reported whether or not it passes.
/// </summary>
internal readonly record struct Comparison(long Elements, double MaxAbsError, long Failures, string FirstFailure)
{
    public bool Passed => Failures == 0;

    public static Comparison Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol) =>
        Compare(actual, expected, (a, e) => Math.Abs((double)a - e) <= atol + (rtol * Math.Abs((double)e)), errorOfAgreeing: true);

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
    /// failures the count of elements whose bits differ. +0 against -0 differs in bits but not in value: it still
    /// counts, with an error of 0.
    /// </summary>
    public static Comparison Bitwise(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected) =>
        Compare(actual, expected, (a, e) => BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(e), errorOfAgreeing: false);

    /// <summary>
    /// Counts the elements that do not <paramref name="agree"/> and names the first; the error is the largest
    /// |actual − expected| (infinity where it is NaN or infinite) over every element, or over the disagreeing ones only
    /// unless <paramref name="errorOfAgreeing"/>.
    /// </summary>
    private static Comparison Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, Func<float, float, bool> agree, bool errorOfAgreeing)
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
            var agrees = agree(actual[i], expected[i]);
            if (!agrees && failures++ == 0)
            {
                first = string.Create(CultureInfo.InvariantCulture, $"[{i}]: {actual[i]:R} vs {expected[i]:R}");
            }

            if (agrees && !errorOfAgreeing)
            {
                continue;
            }

            var error = Math.Abs((double)actual[i] - expected[i]);
            worst = double.IsFinite(error) ? Math.Max(worst, error) : double.PositiveInfinity;
        }

        return new Comparison(expected.Length, worst, failures, first);
    }
}
