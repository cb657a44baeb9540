using Orrery.Cluster.Membership;

namespace Orrery.Cluster.Tests.Membership;

/// <summary>The conformance suite against the in-memory table, the reference semantics.</summary>
public sealed class InMemoryMembershipTableTests : MembershipTableConformance
{
    private readonly Dictionary<string, InMemoryMembershipTable> _tables = new(StringComparer.Ordinal);

    protected override Task<IMembershipTable> OpenTableAsync(string tableId)
    {
        lock (_tables)
        {
            if (!_tables.TryGetValue(tableId, out var table))
            {
                table = new InMemoryMembershipTable();
                _tables.Add(tableId, table);
            }

            return Task.FromResult<IMembershipTable>(table);
        }
    }
}
