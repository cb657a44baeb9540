using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Configuration;

/// <summary>Shared checks for the options classes; messages name the setting and what it must be.</summary>
internal static class OptionChecks
{
    public static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} is {value.TotalSeconds}s; it must be greater than 0");
        }
    }


    public static void Port(List<string> errors, string name, int value, bool allowZero)
    {
        if (value < (allowZero ? 0 : 1) || value > 65535)
        {
            errors.Add($"{name} is {value}; it must be a TCP port between {(allowZero ? "0 (any free port)" : "1")} and 65535");
        }
    }

    public static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new OptionsValidationException("Orrery", typeof(OptionChecks), errors);
        }
    }
}
