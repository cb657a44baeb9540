using Orrery.Experiments;

namespace Orrery.Client;

/// <summary>The experiment kinds <c>orrery run</c> knows: the runners of <see cref="Workloads.Workloads.All"/>, selected by the spec's <c>kind</c> field.</summary>
internal static class ExperimentRunners
{
    public static IReadOnlyList<IExperimentRunner> All => Workloads.Workloads.Runners;

    public static IExperimentRunner ForKind(SpecNode root)
    {
        var kindNode = root.Require("kind");
        var kind = kindNode.AsString();
        return All.FirstOrDefault(r => string.Equals(r.Kind, kind, StringComparison.OrdinalIgnoreCase))
            ?? throw kindNode.Fail(All.Count == 0
                ? $"'{kind}' is not an experiment kind this client can run (it knows none)"
                : $"'{kind}' is not an experiment kind; expected one of: {string.Join(", ", All.Select(r => r.Kind))}");
    }
}
