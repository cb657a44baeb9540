namespace Orrery.MetricGraphs.Experiments;

/// <summary>One quantity compared with its closed form: passed when |estimate - exact| &lt;= tolerance.</summary>
public sealed record CheckLine(string What, double Estimate, double Exact, double Tolerance, bool Passed);
