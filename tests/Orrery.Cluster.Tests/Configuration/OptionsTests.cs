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
    [InlineData("port", "Silo:HttpPort is 70000; it must be a TCP port")]
    [InlineData("bind", "Silo:BindAddress is 'not-an-ip'")]
    [InlineData("device", "Silo:Device is 'tpu:0'")]
    [InlineData("grace", "Silo:ShutdownGracePeriod is 0s; it must be greater than 0")]
    public void BadSiloSettingsAreNamed(string which, string expected)
    {
        var options = new SiloOptions();
        switch (which)
        {
            case "port": options.HttpPort = 70000; break;
            case "bind": options.BindAddress = "not-an-ip"; break;
            case "device": options.Device = "tpu:0"; break;
            case "grace": options.ShutdownGracePeriod = TimeSpan.Zero; break;
        }

        var error = Assert.Throws<OptionsValidationException>(options.Validate);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("", "Membership:Redis:ConnectionString is empty")]
    [InlineData("host:notaport", "Membership:Redis:ConnectionString")]
    [InlineData("abortConnect=false", "names no endpoint")]
    public void BadRedisConnectionStringsAreNamedWhenTheTableIsRedis(string connection, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            new MembershipOptions { Table = "redis", Redis = new RedisOptions { ConnectionString = connection } }.Validate());
        Assert.Contains(expected, error.Message);
        new MembershipOptions { Table = "memory", Redis = new RedisOptions { ConnectionString = connection } }.Validate();
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
