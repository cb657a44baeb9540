using System.Globalization;
using System.Security;
using System.Text;

namespace Orrery.Experiments;

/// <summary>
/// Small self-contained SVG charts (lines, points, step histograms) with axes, ticks, labels and a
/// legend, so experiment outputs open in any browser without a plotting stack.
/// </summary>
public sealed class SvgPlot
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
    private readonly List<Series> _series = [];

    /// <summary>Creates a chart with a title and axis labels.</summary>
    public SvgPlot(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    /// <summary>The chart's title.</summary>
    public string Title { get; }

    /// <summary>The x axis label.</summary>
    public string XLabel { get; }

    /// <summary>The y axis label.</summary>
    public string YLabel { get; }

    /// <summary>Plot y on a base-10 logarithmic scale (non-positive values are skipped).</summary>
    public bool LogY { get; set; }

    /// <summary>Plot x on a base-10 logarithmic scale (non-positive values are skipped); with <see cref="LogY"/>, a log-log chart.</summary>
    public bool LogX { get; set; }

    /// <summary>Adds a polyline.</summary>
    public SvgPlot Line(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, bool dashed = false) =>
        Add(new Series(name, x, y, SeriesKind.Line, dashed, null, null));

    /// <summary>Adds a line with a shaded band between <paramref name="low"/> and <paramref name="high"/> (spread over runs).</summary>
    public SvgPlot Band(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> low, IReadOnlyList<double> high) =>
        Add(new Series(name, x, y, SeriesKind.Line, false, low, high));

    /// <summary>Adds markers.</summary>
    public SvgPlot Points(string name, IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        Add(new Series(name, x, y, SeriesKind.Points, false, null, null));

    /// <summary>Adds a step histogram: <paramref name="edges"/> has one more entry than <paramref name="heights"/>.</summary>
    public SvgPlot Histogram(string name, IReadOnlyList<double> edges, IReadOnlyList<double> heights)
    {
        if (edges.Count != heights.Count + 1)
        {
            throw new ArgumentException($"histogram {name}: {edges.Count} bin edges for {heights.Count} bins");
        }

        var x = new List<double>();
        var y = new List<double>();
        for (var i = 0; i < heights.Count; i++)
        {
            x.Add(edges[i]);
            y.Add(heights[i]);
            x.Add(edges[i + 1]);
            y.Add(heights[i]);
        }

        return Add(new Series(name, x, y, SeriesKind.Line, false, null, null));
    }

    /// <summary>Renders the chart as SVG text.</summary>
    public string Render(int width = 760, int height = 460)
    {
        const double left = 80, right = 20, top = 40, bottom = 60;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom - 18 * Math.Min(_series.Count, 8) / 2.0;
        var points = _series.SelectMany(s => s.X.Zip(s.Y).Concat(s.Low is null ? [] : s.X.Zip(s.Low)).Concat(s.High is null ? [] : s.X.Zip(s.High)))
            .Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!LogX || p.First > 0) && (!LogY || p.Second > 0))
            .ToList();
        var (x0, x1) = Range(points.Select(p => LogX ? Math.Log10(p.First) : p.First), false);
        var (y0, y1) = Range(points.Select(p => LogY ? Math.Log10(p.Second) : p.Second), !LogY);
        double Sx(double x) => left + ((LogX ? Math.Log10(x) : x) - x0) / (x1 - x0) * plotWidth;
        double Sy(double y) => top + plotHeight - ((LogY ? Math.Log10(y) : y) - y0) / (y1 - y0) * plotHeight;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(Title)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{plotWidth:F1}\" height=\"{plotHeight:F1}\" fill=\"none\" stroke=\"#444\"/>\n");
        foreach (var tick in LogX ? LogTicks(x0, x1) : Ticks(x0, x1))
        {
            var sx = left + (tick - x0) / (x1 - x0) * plotWidth;
            var label = LogX ? LogLabel(tick) : Format(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{sx:F1}\" y1=\"{top + plotHeight:F1}\" x2=\"{sx:F1}\" y2=\"{top + plotHeight + 5:F1}\" stroke=\"#444\"/><text x=\"{sx:F1}\" y=\"{top + plotHeight + 18:F1}\" text-anchor=\"middle\">{label}</text>\n");
        }

        foreach (var tick in LogY ? LogTicks(y0, y1) : Ticks(y0, y1))
        {
            var sy = top + plotHeight - (tick - y0) / (y1 - y0) * plotHeight;
            var label = LogY ? LogLabel(tick) : Format(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left - 5}\" y1=\"{sy:F1}\" x2=\"{left + plotWidth:F1}\" y2=\"{sy:F1}\" stroke=\"#ddd\"/><text x=\"{left - 8}\" y=\"{sy + 4:F1}\" text-anchor=\"end\">{label}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotWidth / 2:F1}\" y=\"{top + plotHeight + 40:F1}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18,{top + plotHeight / 2:F1}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n");

        for (var s = 0; s < _series.Count; s++)
        {
            var series = _series[s];
            var color = Palette[s % Palette.Length];
            bool Ok(int i, IReadOnlyList<double> ys) => double.IsFinite(series.X[i]) && double.IsFinite(ys[i]) && (!LogY || ys[i] > 0);
            if (series.Low is { } low && series.High is { } high)
            {
                var band = Enumerable.Range(0, series.X.Count).Where(i => Ok(i, low) && Ok(i, high)).ToList();
                var outline = band.Select(i => (Sx(series.X[i]), Sy(high[i]))).Concat(band.AsEnumerable().Reverse().Select(i => (Sx(series.X[i]), Sy(low[i]))));
                svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{string.Join(" ", outline.Select(p => $"{p.Item1:F1},{p.Item2:F1}"))}\" fill=\"{color}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
            }

            var visible = Enumerable.Range(0, series.X.Count).Where(i => Ok(i, series.Y)).ToList();
            if (series.Kind == SeriesKind.Points)
            {
                foreach (var i in visible)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{Sx(series.X[i]):F1}\" cy=\"{Sy(series.Y[i]):F1}\" r=\"3\" fill=\"{color}\"/>\n");
                }
            }
            else if (visible.Count > 0)
            {
                var dash = series.Dashed ? " stroke-dasharray=\"6,4\"" : "";
                svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{string.Join(" ", visible.Select(i => string.Create(CultureInfo.InvariantCulture, $"{Sx(series.X[i]):F1},{Sy(series.Y[i]):F1}")))}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"{dash}/>\n");
            }

            var ly = height - 14 - 18 * (s / 2);
            var lx = left + (s % 2) * plotWidth / 2;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{lx:F1}\" y1=\"{ly - 4}\" x2=\"{lx + 24:F1}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"{(series.Dashed ? " stroke-dasharray=\"6,4\"" : "")}/><text x=\"{lx + 30:F1}\" y=\"{ly}\">{Escape(series.Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, Render());

    private SvgPlot Add(Series series)
    {
        if (series.X.Count != series.Y.Count || (series.Low?.Count ?? series.X.Count) != series.X.Count || (series.High?.Count ?? series.X.Count) != series.X.Count)
        {
            throw new ArgumentException($"series {series.Name}: x and y lengths differ");
        }

        _series.Add(series);
        return this;
    }

    private static (double Low, double High) Range(IEnumerable<double> values, bool includeZero)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return (0, 1);
        }

        var low = list.Min();
        var high = list.Max();
        if (includeZero && low > 0 && low < 0.5 * high)
        {
            low = 0;
        }

        if (high - low < 1e-300)
        {
            var pad = Math.Abs(high) > 0 ? Math.Abs(high) * 0.1 : 1;
            return (low - pad, high + pad);
        }

        var margin = 0.04 * (high - low);
        return (low - (low == 0 ? 0 : margin), high + margin);
    }

    private static IEnumerable<double> Ticks(double low, double high)
    {
        var raw = (high - low) / 6;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (var t = Math.Ceiling(low / step) * step; t <= high + 1e-9 * step; t += step)
        {
            yield return Math.Abs(t) < 1e-12 * step ? 0 : t;
        }
    }

    /// <summary>
    /// Ticks of a log axis (values are log10): whole decades where the range holds two or more (at most eight, every
    /// second or third decade beyond that), else 1, 2 and 5 times the powers of ten inside the range.
    /// </summary>
    private static IEnumerable<double> LogTicks(double low, double high)
    {
        var ticks = new List<double>();
        var first = Math.Ceiling(low);
        var last = Math.Floor(high);
        if (last - first >= 1)
        {
            var stride = Math.Ceiling((last - first + 1) / 8);
            for (var t = first; t <= last; t += stride)
            {
                ticks.Add(t);
            }

            return ticks;
        }

        for (var decade = Math.Floor(low); decade <= high; decade++)
        {
            foreach (var m in new[] { 1.0, 2, 5 })
            {
                var t = decade + Math.Log10(m);
                if (t >= low && t <= high)
                {
                    ticks.Add(t);
                }
            }
        }

        return ticks;
    }

    /// <summary>The label of a log axis tick: 1eN on whole decades, else the value.</summary>
    private static string LogLabel(double tick) =>
        Math.Abs(tick - Math.Round(tick)) < 1e-9 ? "1e" + Format(Math.Round(tick)) : Math.Pow(10, tick).ToString("G3", CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private enum SeriesKind
    {
        Line,
        Points,
    }

    private sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, SeriesKind Kind, bool Dashed, IReadOnlyList<double>? Low, IReadOnlyList<double>? High);
}
