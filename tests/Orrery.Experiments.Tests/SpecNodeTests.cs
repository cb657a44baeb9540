using System.Xml.Linq;
using Orrery.Experiments;

namespace Orrery.Experiments.Tests;

public sealed class SpecNodeTests
{
    private const string Yaml = """
        kind: sampling
        particles: 1e6
        dt: 0.001
        graph:
          generator: star
          arms: 5
        observables: [density, exits]
        """;

    [Fact]
    public void ReadsTypedFieldsFromYaml()
    {
        var root = ExperimentSpec.Parse(Yaml, "s.yaml");
        Assert.Equal("sampling", ExperimentSpec.KindOf(root));
        Assert.Equal(1_000_000, root.Require("particles").AsLong(1));
        Assert.Equal(0.001, root.Require("dt").AsDouble(0));
        Assert.Equal(5, root.Require("graph").Require("arms").AsInt(1, 100));
        Assert.Equal(["density", "exits"], root.Require("observables").Items.Select(i => i.AsString()));
        Assert.Null(root.Optional("seed"));
    }

    [Fact]
    public void ReadsJsonThroughTheSameParser()
    {
        var root = ExperimentSpec.Parse("""{"kind": "pca", "k": 10, "data": {"path": "x.csv"}}""", "/tmp/specs/p.json");
        Assert.Equal("pca", ExperimentSpec.KindOf(root));
        Assert.Equal(10, root.Require("k").AsInt());
        Assert.Equal("/tmp/specs/x.csv", root.Require("data").Require("path").AsPath());
    }

    [Theory]
    [InlineData("arms", "s.yaml:6:9: graph.arms: 500 is out of range [1, 100]")]
    [InlineData("particles", "s.yaml:2:12: particles: '1e6x' is not a whole number")]
    public void ErrorsNameFileLineColumnAndField(string field, string expected)
    {
        var root = ExperimentSpec.Parse(Yaml.Replace("arms: 5", "arms: 500").Replace("1e6", "1e6x"), "s.yaml");
        var error = Assert.Throws<ExperimentSpecException>(() =>
        {
            if (field == "arms")
            {
                root.Require("graph").Require("arms").AsInt(1, 100);
            }
            else
            {
                root.Require("particles").AsLong(1);
            }
        });
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void MissingAndUnknownFieldsAreNamed()
    {
        var root = ExperimentSpec.Parse(Yaml, "s.yaml");
        Assert.Equal("s.yaml:5:3: graph: the field 'length' is missing", Assert.Throws<ExperimentSpecException>(() => root.Require("graph").Require("length")).Message);
        var unknown = Assert.Throws<ExperimentSpecException>(() => root.AllowOnly("kind", "particles", "dt", "graph"));
        Assert.StartsWith("s.yaml:7:1: observables: unknown field; expected one of: kind, particles", unknown.Message);
    }

    [Fact]
    public void SyntaxErrorsAndNonMappingsAreRefusedWithALocation()
    {
        var syntax = Assert.Throws<ExperimentSpecException>(() => ExperimentSpec.Parse("kind: x\n  bad: [1, 2\n", "b.yaml"));
        Assert.StartsWith("b.yaml:", syntax.Message);
        Assert.Contains("not valid YAML or JSON", syntax.Message);
        Assert.Contains("must be a mapping", Assert.Throws<ExperimentSpecException>(() => ExperimentSpec.Parse("- 1\n- 2\n", "l.yaml")).Message);
        Assert.Contains("cannot read the spec", Assert.Throws<ExperimentSpecException>(() => ExperimentSpec.Load("/nonexistent/spec.yaml")).Message);
    }

    [Fact]
    public void ChoicesAndBooleansAreChecked()
    {
        var root = ExperimentSpec.Parse("kind: sampling\ndevice: GPU\nplots: yes\nmode: fast\n", "c.yaml");
        Assert.Equal("gpu", root.Require("device").AsChoice("any", "cpu", "gpu"));
        Assert.True(root.Require("plots").AsBool());
        Assert.Equal("c.yaml:4:7: mode: 'fast' is not one of: sync, async", Assert.Throws<ExperimentSpecException>(() => root.Require("mode").AsChoice("sync", "async")).Message);
    }

    [Fact]
    public void StagedOutputAppearsOnlyAtCommit()
    {
        var parent = Path.Combine(Path.GetTempPath(), $"orrery-out-{Guid.NewGuid():N}");
        var target = Path.Combine(parent, "run1");
        try
        {
            using (var failed = new ExperimentOutput(target))
            {
                failed.WriteText("results.json", "{}");
                Assert.False(Directory.Exists(target));
            }

            Assert.Empty(Directory.GetFileSystemEntries(parent));
            using (var ok = new ExperimentOutput(target))
            {
                ok.WriteText("tables/exits.csv", "vertex,count\n");
                ok.Commit();
            }

            Assert.True(File.Exists(Path.Combine(target, "tables", "exits.csv")));
            Assert.Single(Directory.GetFileSystemEntries(parent));
            Assert.Throws<ArgumentException>(() => new ExperimentOutput(target).PathFor("../escape.txt"));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void StagingFoldersOfProcessesThatAreGoneAreRemoved()
    {
        var parent = Directory.CreateTempSubdirectory("orrery-out-stale-").FullName;
        try
        {
            using var gone = System.Diagnostics.Process.Start("true")!;
            gone.WaitForExit();
            var stale = Directory.CreateDirectory(Path.Combine(parent, $".run1.staging-{gone.Id}-0123abcd")).FullName;
            File.WriteAllText(Path.Combine(stale, "half-written.csv"), "x");
            var mine = Directory.CreateDirectory(Path.Combine(parent, $".run1.staging-{Environment.ProcessId}-feed")).FullName;
            var otherOutput = Directory.CreateDirectory(Path.Combine(parent, $".run2.staging-{gone.Id}-0123abcd")).FullName;
            var unparsed = Directory.CreateDirectory(Path.Combine(parent, ".run1.staging-notapid")).FullName;

            using (new ExperimentOutput(Path.Combine(parent, "run1")))
            {
                Assert.False(Directory.Exists(stale));
                Assert.True(Directory.Exists(mine)); // a running process's (this one's) is left alone
                Assert.True(Directory.Exists(otherOutput));
                Assert.True(Directory.Exists(unparsed));
            }
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    // Caught before: an existing file or /dev/null as --out passed here and failed with an IOException trace only at
    // commit, after the whole run; a folder the user cannot write failed with a trace at the staging folder.
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void OutputPlacesThatCannotHoldAFolderAreRefusedBeforeAnyWork()
    {
        var parent = Directory.CreateTempSubdirectory("orrery-out-refused-").FullName;
        try
        {
            var file = Path.Combine(parent, "taken");
            File.WriteAllText(file, "x");
            var e = Assert.Throws<ArgumentException>(() => new ExperimentOutput(file));
            Assert.Contains("output folder " + file + " is an existing file", e.Message);
            e = Assert.Throws<ArgumentException>(() => new ExperimentOutput("/dev/null"));
            Assert.Contains("output folder /dev/null is an existing file", e.Message);
            e = Assert.Throws<ArgumentException>(() => new ExperimentOutput(Path.Combine(file, "below")));
            Assert.Contains("which is a file", e.Message);

            var locked = Path.Combine(parent, "locked");
            Directory.CreateDirectory(locked);
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            try
            {
                // root may write anywhere on an ordinary file system; /proc refuses new folders to root too.
                var unwritable = Environment.UserName == "root" ? "/proc/orrery-out/run" : Path.Combine(locked, "a", "run");
                e = Assert.Throws<ArgumentException>(() => new ExperimentOutput(unwritable));
                Assert.Contains($"output folder {unwritable} cannot be written", e.Message);
            }
            finally
            {
                File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            // Nothing was created by the refusals, and an accepted place has no staging folder until a file is written.
            using (new ExperimentOutput(Path.Combine(parent, "later")))
            {
                Assert.Equal(["locked", "taken"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName).Order(StringComparer.Ordinal));
                Assert.Empty(Directory.GetFileSystemEntries(locked));
            }
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    // Caught before: an unclosed flow sequence escaped as a YamlDotNet exception with a trace.
    [Theory]
    [InlineData("kind: sampling\ngraph: {generator: star, lengths: [1, 2\nparticles: 10\n")]
    [InlineData("kind: sampling\nlengths: [1, 2\n")]
    [InlineData("kind: sampling\nobservables: [density, exits\n")]
    [InlineData("kind: sampling\ngraph: {generator: star\n")]
    [InlineData("[1, 2")]
    public void UnclosedFlowCollectionsAreOneLocatedError(string text)
    {
        var e = Assert.Throws<ExperimentSpecException>(() => ExperimentSpec.Parse(text, "bad.yaml"));
        Assert.Matches(@"^bad\.yaml:\d+:\d+: ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void PlotsAreWellFormedSvgWithEverySeries()
    {
        var plot = new SvgPlot("density on edge 0", "x", "density") { LogY = false }
            .Line("analytic", [0, 0.5, 1], [1, 2, 1], dashed: true)
            .Histogram("sampled", [0, 0.25, 0.5, 0.75, 1], [0.9, 2.1, 1.9, 1.1])
            .Points("points", [0.1], [double.NaN]);
        var svg = XDocument.Parse(plot.Render());
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(2, svg.Descendants(ns + "polyline").Count());
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("analytic", texts);
        Assert.Contains("sampled", texts);
        Assert.Contains("density on edge 0", texts);
        var log = new SvgPlot("E", "round", "E") { LogY = true }.Band("pd", [1, 2, 3], [1e-1, 1e-3, 1e-5], [5e-2, 5e-4, 5e-6], [2e-1, 2e-3, 2e-5]);
        Assert.Contains("1e-5", log.Render());
        // Log-log, x over 1.5 decades: ticks at 1, 2 and 5 times powers of ten, whole decades labelled 1eN.
        var logLog = new SvgPlot("error", "dt", "error") { LogX = true, LogY = true }.Points("p", [0.0025, 0.08], [1e-4, 1e-1]).Render();
        Assert.Contains(">0.005<", logLog);
        Assert.Contains(">1e-2<", logLog);
        Assert.Contains(">1e-3<", logLog);
        Assert.Throws<ArgumentException>(() => new SvgPlot("t", "x", "y").Line("bad", [1, 2], [1]));
    }
}
