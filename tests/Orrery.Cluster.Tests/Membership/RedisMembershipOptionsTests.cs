using Microsoft.Extensions.Options;
using Orrery.Cluster.Membership.Redis;

namespace Orrery.Cluster.Tests.Membership;

public sealed class RedisMembershipOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnesAndValid()
    {
        var options = new RedisMembershipOptions();

        Assert.Equal("localhost:6379", options.ConnectionString);
        Assert.Equal("orrery", options.KeyPrefix);
        Assert.Equal("default", options.ClusterId);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.OperationTimeout);
        options.Validate();
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void EmptyConnectionString_IsRejectedWithTheFix(string connectionString)
    {
        var options = new RedisMembershipOptions { ConnectionString = connectionString };

        var error = Assert.Throws<OptionsValidationException>(options.Validate);

        Assert.Equal(
            "Membership:Redis:ConnectionString is empty; it must name a Redis endpoint such as 127.0.0.1:6379",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void ConnectionStringWithoutEndpoint_IsRejected()
    {
        var options = new RedisMembershipOptions { ConnectionString = "abortConnect=false" };

        var error = Assert.Throws<OptionsValidationException>(options.Validate);

        Assert.StartsWith("Membership:Redis:ConnectionString names no endpoint;", Assert.Single(error.Failures));
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var options = new RedisMembershipOptions
        {
            KeyPrefix = "",
            ClusterId = "",
            ConnectTimeout = TimeSpan.Zero,
            OperationTimeout = TimeSpan.FromMilliseconds(-250),
        };

        var error = Assert.Throws<OptionsValidationException>(options.Validate);

        Assert.Equal(
            [
                "Membership:Redis:KeyPrefix is empty; it must be a short name such as orrery",
                "Membership:Redis:ClusterId is empty; it must name the cluster, such as default",
                "Membership:Redis:ConnectTimeout is 0s; it must be greater than 0",
                "Membership:Redis:OperationTimeout is -250ms; it must be greater than 0",
            ],
            error.Failures);
    }

    [Fact]
    public void ToString_RedactsThePassword()
    {
        var options = new RedisMembershipOptions { ConnectionString = "redis.internal:6380,password=hunter2,ssl=true" };

        var text = options.ToString();

        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("redis.internal:6380", text);
    }

    [Fact]
    public async Task ConnectAsync_ValidatesBeforeConnecting()
    {
        var options = new RedisMembershipOptions { ConnectionString = "" };

        await Assert.ThrowsAsync<OptionsValidationException>(() => RedisMembershipTable.ConnectAsync(options, CancellationToken.None));
    }
}
