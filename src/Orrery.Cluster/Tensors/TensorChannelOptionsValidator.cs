using System.Net;
using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Tensors;

/// <summary>Checks <see cref="TensorChannelOptions"/> at start; each failure names the setting and what it must be.</summary>
public sealed class TensorChannelOptionsValidator : IValidateOptions<TensorChannelOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TensorChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add("Tensors:ClusterId is empty; it must name the cluster");
        }

        if (string.IsNullOrEmpty(options.Secret))
        {
            failures.Add("Tensors:Secret is not set; every tensor channel connection proves it, so set the same value on every member");
        }

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"Tensors:BindAddress is '{options.BindAddress}'; it must be an IP address (0.0.0.0 for every interface)");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Tensors:Port is {options.Port}; it must be 0 (any free port) to 65535");
        }

        if (options.MaxStoreBytes <= 0)
        {
            failures.Add($"Tensors:MaxStoreBytes is {options.MaxStoreBytes}; it must be greater than 0");
        }

        Positive(failures, "DefaultTimeToLive", options.DefaultTimeToLive);
        Positive(failures, "TransferTimeout", options.TransferTimeout);
        Positive(failures, "ConnectTimeout", options.ConnectTimeout);
        if (options.Dscp is < 0 or > 63)
        {
            failures.Add($"Tensors:Dscp is {options.Dscp}; it must be a DSCP, 0 (unmarked) to 63");
        }

        if (options.ConnectionsPerPeer is < 1 or > 64)
        {
            failures.Add($"Tensors:ConnectionsPerPeer is {options.ConnectionsPerPeer}; it must be 1 to 64");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Tensors:{setting} is {value.TotalSeconds}s; it must be greater than 0");
        }
    }
}
