namespace Orrery.Gcn.Data;

/// <summary>What a property map of a <c>.gt</c> file is keyed by: its key type byte.</summary>
public enum GraphToolPropertyKind : byte
{
    /// <summary>One value for the whole graph.</summary>
    Graph = 0x00,

    /// <summary>One value per vertex, in vertex order.</summary>
    Vertex = 0x01,

    /// <summary>One value per edge, in the order the edges appear in the adjacency lists.</summary>
    Edge = 0x02,
}
