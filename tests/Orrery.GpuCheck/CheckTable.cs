namespace Orrery.GpuCheck;

/// <summary>The pass/fail table: one row per check, with the largest error and the tolerance it was held to.</summary>
internal sealed class CheckTable
{
    private readonly List<(string Check, string Devices, string Size, string MaxError, string Tolerance, bool Passed, string Detail)> _rows = [];

    public bool AllPassed => _rows.All(row => row.Passed);

    public int Count => _rows.Count;

    public void Add(string check, string devices, Comparison comparison, string tolerance)
    {
        var maxError = double.IsNaN(comparison.MaxAbsError) ? "mismatch" : comparison.MaxAbsError.ToString("0.###E+0", System.Globalization.CultureInfo.InvariantCulture);
        var detail = comparison.Passed ? "" : $"{comparison.Failures} of {comparison.Elements} outside; first {comparison.FirstFailure}";
        _rows.Add((check, devices, comparison.Elements.ToString(System.Globalization.CultureInfo.InvariantCulture), maxError, tolerance, comparison.Passed, detail));
    }

    public void Add(string check, string devices, bool passed, string detail) =>
        _rows.Add((check, devices, "", "", "", passed, detail));

    public void Print(TextWriter output)
    {
        string[] header = ["check", "devices", "elements", "max |err|", "tolerance", "result"];
        var widths = header.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            string[] cells = [row.Check, row.Devices, row.Size, row.MaxError, row.Tolerance];
            for (var i = 0; i < cells.Length; i++)
            {
                widths[i] = Math.Max(widths[i], cells[i].Length);
            }
        }

        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, i) => i < cells.Count - 1 ? cell.PadRight(widths[i]) : cell)).TrimEnd();

        output.WriteLine(Line(header));
        output.WriteLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        foreach (var row in _rows)
        {
            output.WriteLine(Line([row.Check, row.Devices, row.Size, row.MaxError, row.Tolerance, row.Passed ? "PASS" : "FAIL"]));
            if (row.Detail.Length > 0)
            {
                output.WriteLine($"    {row.Detail}");
            }
        }

        var failed = _rows.Count(row => !row.Passed);
        output.WriteLine(failed == 0 ? $"all {_rows.Count} checks passed" : $"{failed} of {_rows.Count} checks FAILED");
    }
}
