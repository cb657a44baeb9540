using Orrery.Gcn.Data;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Where the tests find graph-tool's collection: <c>$ORRERY_GRAPH_TOOL_DIR</c>, which scripts/test.sh sets after
/// unpacking the files from Debian's python3-graph-tool (so in the test script a missing file fails the test), else
/// the package's own folder when it is installed; with neither, the real-data tests are skipped and say why.
/// </summary>
internal static class GraphToolData
{
    public static string Directory
    {
        get
        {
            var variable = Environment.GetEnvironmentVariable(GraphToolCollection.DirectoryVariable);
            if (variable is { Length: > 0 })
            {
                foreach (var name in new[] { "football", "polblogs" })
                {
                    Assert.True(
                        File.Exists(Path.Combine(variable, $"{name}.gt.gz")),
                        $"{GraphToolCollection.DirectoryVariable}={variable} has no {name}.gt.gz: scripts/test.sh unpacks python3-graph-tool's "
                        + "graph_tool/collection/*.gt.gz there; delete the folder and run it again");
                }

                return variable;
            }

            var installed = File.Exists(Path.Combine(GraphToolCollection.DebianDirectory, "football.gt.gz"))
                && File.Exists(Path.Combine(GraphToolCollection.DebianDirectory, "polblogs.gt.gz"));
            Skip.IfNot(
                installed,
                $"{GraphToolCollection.DirectoryVariable} is unset and python3-graph-tool is not installed: run scripts/test.sh, which unpacks the collection and sets it");
            return GraphToolCollection.DebianDirectory;
        }
    }

    public static string PathOf(string name) => Path.Combine(Directory, $"{name}.gt.gz");
}
