using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orrery.Deploy.Tests;

/// <summary>The PromQL the chart ships (dashboard panels and alert rules) and the metric names it reads.</summary>
internal static partial class MonitoringQueries
{
    /// <summary>The dashboard's queries as (panel title, expression), from the rendered ConfigMap.</summary>
    public static IReadOnlyList<(string Where, string Expr)> Dashboard(RenderedChart chart)
    {
        var json = JsonNode.Parse(chart.Single("ConfigMap", $"{Chart.Release}-dashboard")["data"]!["orrery.json"]!.ToString())!;
        var queries = new List<(string, string)>();
        foreach (var panel in json["panels"]!.AsArray())
        {
            foreach (var target in panel!["targets"]?.AsArray() ?? [])
            {
                queries.Add(($"panel '{panel["title"]}'", target!["expr"]!.ToString()));
            }
        }

        foreach (var variable in json["templating"]!["list"]!.AsArray().Where(v => v!["type"]!.ToString() == "query"))
        {
            // label_values(metric{...}, label): the metric selector is the query.
            var definition = variable!["definition"]!.ToString();
            var selector = LabelValues().Match(definition);
            queries.Add(($"variable '{variable["name"]}'", selector.Success ? selector.Groups[1].Value : definition));
        }

        return queries;
    }

    /// <summary>The alert rules as (alert name, expression), from the rendered PrometheusRule.</summary>
    public static IReadOnlyList<(string Where, string Expr)> Alerts(RenderedChart chart) =>
        [.. RuleGroups(chart).SelectMany(g => g!["rules"]!.AsArray())
            .Select(r => ($"alert {r!["alert"]}", r!["expr"]!.ToString()))];

    /// <summary>The rendered PrometheusRule's groups, as a Prometheus rule file (JSON is YAML).</summary>
    public static string RuleFile(RenderedChart chart) =>
        new JsonObject { ["groups"] = RuleGroups(chart).DeepClone() }.ToJsonString();

    /// <summary>
    /// The metric names a PromQL expression reads: identifiers left once strings, label matchers,
    /// range and subquery brackets, grouping clauses and function calls are taken out.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var text = Strings().Replace(expr, " ");
        text = Braces().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(text))
        {
            var name = match.Groups[1].Value;
            if (!Keywords.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private static JsonArray RuleGroups(RenderedChart chart) =>
        chart.OfKind("PrometheusRule").Single()["spec"]!["groups"]!.AsArray();

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN",
    };

    [GeneratedRegex("label_values\\(([^,]+),")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex Strings();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex Braces();

    [GeneratedRegex("\\[[^\\]]*\\]")]
    private static partial Regex Brackets();

    [GeneratedRegex("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)")]
    private static partial Regex Grouping();

    // An identifier that is not a function or aggregation (followed by '(') and not part of a number.
    [GeneratedRegex("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()")]
    private static partial Regex Identifier();
}
