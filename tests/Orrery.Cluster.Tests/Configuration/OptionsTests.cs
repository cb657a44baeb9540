using System.Reflection;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Orrery.Cluster.Configuration;

namespace Orrery.Cluster.Tests.Configuration;

public sealed class OptionsTests
{
    [Fact]
    public void DefaultsAreValidOnceASecretIsSet()
    {
        new ClusterOptions { Secret = "s" }.Validate();
        new SiloOptions().Validate();
        new MembershipOptions().Validate();
    }

    [Fact]
    public void MissingSecretNamesTheSettingAndHowToSetIt()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new ClusterOptions().Validate());
        Assert.Contains("Cluster:Secret is empty", error.Message);
        Assert.Contains("ORRERY_Cluster__Secret", error.Message);
    }

    [Theory]
    [InlineData("port", "Silo:Port is 70000; it must be a TCP port")]
    [InlineData("bind", "Silo:BindAddress is 'not-an-ip'")]
    [InlineData("same-ports", "Silo:Port and Silo:HttpPort are both 9000")]
    [InlineData("device", "Silo:Device is 'tpu:0'")]
    [InlineData("idle", "Silo:IdleDeactivationAfter is 0s; it must be greater than 0")]
    public void BadSiloSettingsAreNamed(string which, string expected)
    {
        var options = new SiloOptions();
        switch (which)
        {
            case "port": options.Port = 70000; break;
            case "bind": options.BindAddress = "not-an-ip"; break;
            case "same-ports": options.Port = 9000; options.HttpPort = 9000; break;
            case "device": options.Device = "tpu:0"; break;
            case "idle": options.IdleDeactivationAfter = TimeSpan.Zero; break;
        }

        var error = Assert.Throws<OptionsValidationException>(options.Validate);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void DeathTimeoutMustExceedTwoHeartbeats()
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            new MembershipOptions { HeartbeatPeriod = TimeSpan.FromSeconds(5), DeathTimeout = TimeSpan.FromSeconds(6) }.Validate());
        Assert.Contains("Membership:DeathTimeout is 6s", error.Message);
    }

    [Fact]
    public void UnknownMembershipTableIsNamed()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new MembershipOptions { Table = "etcd" }.Validate());
        Assert.Contains("Membership:Table is 'etcd'; it must be 'redis' or 'memory'", error.Message);
    }

    [Fact]
    public void SecretIsRedactedWhenOptionsAreLogged()
    {
        var text = new ClusterOptions { Secret = "hunter2" }.ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("<redacted>", text);
    }

    [Fact]
    public void EveryOptionIsDocumentedWithItsDefault()
    {
        // STYLE: options carry XML docs that state the default in words. Read the compiler's XML
        // documentation file and check every settable public property of every *Options class.
        var assembly = typeof(ClusterOptions).Assembly;
        var docs = XDocument.Load(Path.ChangeExtension(assembly.Location, ".xml"));
        var summaries = docs.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => (string?)m.Element("summary") ?? "");
        var missing = new List<string>();
        foreach (var type in assembly.GetExportedTypes().Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal)))
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var key = $"P:{type.FullName}.{property.Name}";
                if (!summaries.TryGetValue(key, out var summary) || !summary.Contains("Default", StringComparison.Ordinal))
                {
                    missing.Add(key);
                }
            }
        }

        Assert.Empty(missing);
    }
}
