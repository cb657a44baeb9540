using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Compute;
using static Orrery.Deploy.Tests.RenderedChart;

namespace Orrery.Deploy.Tests;

/// <summary>
/// Every ORRERY_* setting the chart gives a silo (its ConfigMap and its container's env) and every one the silo
/// images set (ENV in silo/Dockerfile and silo/Dockerfile.gpu) is one orrery-silo accepts: orrery-silo stops at start
/// with exit code 2 on a configuration key it does not know, so a leftover of the runtime before Orleans
/// (ORRERY_Silo__Port, ORRERY_Membership__Redis__KeyPrefix, ...) would leave every silo crash-looping.
/// </summary>
public sealed partial class ChartSettingsTests
{
    /// <summary>
    /// The sections orrery-silo reads and the options each binds to (silo/SiloSettings.cs binds the first five with
    /// ErrorOnUnknownConfiguration; silo/Program.cs and AddTensorChannel read <c>Tensors</c>).
    /// </summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cluster"] = typeof(ClusterOptions),
        ["Silo"] = typeof(SiloOptions),
        ["Membership"] = typeof(MembershipOptions),
        ["Compute"] = typeof(ComputeOptions),
        [OrleansSiloOptions.SectionName] = typeof(OrleansSiloOptions),
        [TensorChannelOptions.SectionName] = typeof(TensorChannelOptions),
    };

    /// <summary>Settings of the runtime before Orleans, named here so a failure says which one came back.</summary>
    private static readonly string[] Removed =
    [
        "Silo:Port", "Silo:IdleDeactivationAfter", "Silo:IdleCheckPeriod", "OrleansSilo:Enabled",
        "Membership:Redis:KeyPrefix", "Membership:Redis:ClusterId", "Membership:Redis:ConnectTimeout", "Membership:Redis:OperationTimeout",
        "Membership:HeartbeatPeriod", "Membership:DeathTimeout", "Membership:ProbeTimeout", "Membership:RefreshPeriod",
        "Cluster:DefaultCallTimeout", "Cluster:ConnectionsPerPeer", "Cluster:ConnectTimeout", "Cluster:MaxMessageBytes",
        "Cluster:MaxPayloadBytes", "Cluster:MaxMovedRetries",
    ];

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task EverySettingTheChartGivesASiloIsOneTheSiloAccepts(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);

        foreach (var (group, deployment) in chart.SiloGroups)
        {
            // The silo's environment: the ConfigMap (envFrom), then the container's env, which wins.
            var environment = new Dictionary<string, string>(chart.SiloSettings, StringComparer.Ordinal);
            foreach (var env in Containers(deployment).Single()["env"]?.AsArray() ?? [])
            {
                environment[env!["name"]!.ToString()] = EnvValue(env);
            }

            AssertAccepted($"scenario {scenario}, silo group {group}", environment);
        }
    }

    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("Dockerfile.gpu")]
    public async Task EverySettingASiloImageSetsIsOneTheSiloAccepts(string dockerfile)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(ExternalTool.RepositoryRoot, "silo", dockerfile));

        // ENV NAME=value pairs, continued over lines with a backslash.
        var environment = EnvInstruction().Matches(text.Replace("\\\n", " ", StringComparison.Ordinal))
            .SelectMany(m => m.Groups["pairs"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.Contains("ORRERY_Silo__HttpPort", environment.Keys);

        // What the chart adds (a secret and a Redis connection string) so that the settings validate as in a pod.
        environment["ORRERY_Cluster__Secret"] = "secret-from-kubernetes";
        AssertAccepted($"silo/{dockerfile}", environment);
    }

    private static void AssertAccepted(string where, IReadOnlyDictionary<string, string> environment)
    {
        var settings = environment.Where(e => e.Key.StartsWith("ORRERY_", StringComparison.Ordinal))
            .ToDictionary(e => e.Key["ORRERY_".Length..].Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value, StringComparer.OrdinalIgnoreCase);

        var removed = settings.Keys.Where(k => Removed.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(removed.Count == 0, $"{where}: sets {string.Join(", ", removed)}, which the silo no longer accepts");
        var unknownSections = settings.Keys.Select(k => k.Split(':')[0]).Where(s => !Sections.ContainsKey(s)).Distinct().ToList();
        Assert.True(unknownSections.Count == 0, $"{where}: sets settings of sections the silo does not read: {string.Join(", ", unknownSections)}");

        // Bound as the silo binds them: an unknown key throws and names itself.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var bound = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in Sections)
        {
            try
            {
                bound[section] = configuration.GetSection(section).Get(type, o => o.ErrorOnUnknownConfiguration = true) ?? Activator.CreateInstance(type)!;
            }
            catch (InvalidOperationException e)
            {
                throw new Xunit.Sdk.XunitException($"{where}: the silo would refuse its settings: {e.Message}");
            }
        }

        // And valid, with the messages the silo would print.
        try
        {
            var cluster = (ClusterOptions)bound["Cluster"];
            cluster.Validate();
            ((SiloOptions)bound["Silo"]).Validate();
            ((MembershipOptions)bound["Membership"]).Validate();
            ((ComputeOptions)bound["Compute"]).Validate();
            var orleans = new OrleansSiloOptionsValidator().Validate(null, (OrleansSiloOptions)bound[OrleansSiloOptions.SectionName]);
            Assert.False(orleans.Failed, $"{where}: {orleans.FailureMessage}");

            // The tensor channel takes the cluster's secret unless the Tensors section names its own (silo/Program.cs).
            var tensors = (TensorChannelOptions)bound[TensorChannelOptions.SectionName];
            tensors.Secret ??= cluster.Secret;
            var channel = new TensorChannelOptionsValidator().Validate(null, tensors);
            Assert.False(channel.Failed, $"{where}: {channel.FailureMessage}");
        }
        catch (Exception e) when (e is OptionsValidationException or ArgumentException)
        {
            throw new Xunit.Sdk.XunitException($"{where}: the silo would refuse its settings: {e.Message}");
        }
    }

    /// <summary>An env entry's value; for one that Kubernetes fills in, a stand-in of the kind it fills in.</summary>
    private static string EnvValue(JsonNode env) =>
        env["value"]?.ToString()
        ?? env["valueFrom"]?["fieldRef"]?["fieldPath"]?.ToString() switch
        {
            "status.podIP" => "10.0.0.1",
            "metadata.name" => "orrery-silo-cpu-5d8f7c9b6d-x2x4q",
            "metadata.namespace" => "orrery",
            { } path => throw new Xunit.Sdk.XunitException($"env {env["name"]} comes from {path}, which this test has no stand-in for"),
            null when env["valueFrom"]?["secretKeyRef"] is not null && env["name"]!.ToString() == "ORRERY_Membership__Redis__ConnectionString" => "redis.orrery.svc:6379,password=from-kubernetes",
            null when env["valueFrom"]?["secretKeyRef"] is not null => "secret-from-kubernetes",
            null => throw new Xunit.Sdk.XunitException($"env {env["name"]} has neither a value nor a valueFrom this test knows"),
        };

    [GeneratedRegex(@"^ENV\s+(?<pairs>.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvInstruction();
}
