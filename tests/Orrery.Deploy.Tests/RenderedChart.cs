using System.Text.Json.Nodes;

namespace Orrery.Deploy.Tests;

/// <summary>The objects of one rendering of the chart, with lookups the assertions need.</summary>
internal sealed class RenderedChart(string scenario, IReadOnlyList<JsonObject> objects, IReadOnlyList<string> problems)
{
    private static readonly string[] Workloads = ["Deployment", "StatefulSet", "Job"];

    public string Scenario { get; } = scenario;

    public IReadOnlyList<JsonObject> Objects { get; } = objects;

    /// <summary>What the schema validation found wrong ("Kind/name: where: what").</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Kind(o) == kind);

    public JsonObject Single(string kind, string name) =>
        Objects.SingleOrDefault(o => Kind(o) == kind && Name(o) == name)
        ?? throw new Xunit.Sdk.XunitException($"scenario {Scenario}: no {kind}/{name} among {string.Join(", ", Objects.Select(Describe))}");

    public bool Has(string kind, string name) => Objects.Any(o => Kind(o) == kind && Name(o) == name);

    /// <summary>Deployments, StatefulSets and Jobs.</summary>
    public IEnumerable<JsonObject> WorkloadObjects => Objects.Where(o => Workloads.Contains(Kind(o)));

    /// <summary>The silo Deployments, by silo group.</summary>
    public IReadOnlyDictionary<string, JsonObject> SiloGroups =>
        OfKind("Deployment").Where(d => Labels(d).ContainsKey("orrery.io/silo-group"))
            .ToDictionary(d => Labels(d)["orrery.io/silo-group"], d => d, StringComparer.Ordinal);

    /// <summary>The silo ConfigMap's data: the ORRERY_* settings every silo gets.</summary>
    public IReadOnlyDictionary<string, string> SiloSettings =>
        Single("ConfigMap", $"{Chart.Release}-silo-config")["data"]!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    public static string Kind(JsonNode o) => o["kind"]!.GetValue<string>();

    public static string Name(JsonNode o) => o["metadata"]!["name"]!.GetValue<string>();

    public static string Describe(JsonNode o) => $"{Kind(o)}/{Name(o)}";

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? metadataOwner) => StringMap(metadataOwner?["metadata"]?["labels"]);

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        node?.AsObject().ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The pod template of a Deployment, StatefulSet or Job.</summary>
    public static JsonObject PodTemplate(JsonNode workload) => workload["spec"]!["template"]!.AsObject();

    public static IEnumerable<JsonObject> Containers(JsonNode workload) =>
        PodTemplate(workload)["spec"]!["containers"]!.AsArray().Select(c => c!.AsObject());

    /// <summary>True when every label of <paramref name="selector"/> is on <paramref name="labels"/> with the same value.</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);
}
