using System.Globalization;
using System.Text;

namespace Orrery.Gcn.Partitioning;

/// <summary>Per part: inner nodes, halo nodes, adjacency entries, and the rows exchanged per aggregating layer.</summary>
public static class PartitionReport
{
    /// <summary>Total rows received by all parts per aggregating layer: the communication volume.</summary>
    public static long RowsExchangedPerLayer(IEnumerable<PartitionPlan> plans) => plans.Sum(p => (long)p.HaloCount);

    /// <summary>The report as CSV: part,inner_nodes,halo_nodes,edges,rows_sent_per_layer,rows_received_per_layer, then a total row.</summary>
    public static string ToCsv(IReadOnlyList<PartitionPlan> plans)
    {
        var text = new StringBuilder("part,inner_nodes,halo_nodes,edges,rows_sent_per_layer,rows_received_per_layer\n");
        foreach (var p in plans)
        {
            text.Append(CultureInfo.InvariantCulture, $"{p.Part},{p.InnerCount},{p.HaloCount},{p.EdgeCount},{p.SendCount},{p.HaloCount}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"total,{plans.Sum(p => p.InnerCount)},{plans.Sum(p => p.HaloCount)},{plans.Sum(p => p.EdgeCount)},{plans.Sum(p => p.SendCount)},{RowsExchangedPerLayer(plans)}\n");
        return text.ToString();
    }
}
