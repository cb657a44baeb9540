using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Tensors;

namespace Orrery.Cluster.Silos;

/// <summary>What Orrery adds to an Orleans silo, one extension method per feature.</summary>
public static class OrrerySiloBuilderExtensions
{
    /// <summary>
    /// Publishes the silo's compute capabilities (<paramref name="gpus"/> GPUs, <paramref name="cpuCores"/> cores) as silo
    /// metadata and registers <see cref="ComputePlacementDirector"/> for <see cref="GpuPlacementAttribute"/> and
    /// <see cref="CoreWeightedPlacementAttribute"/> grains.
    /// </summary>
    public static ISiloBuilder AddOrreryPlacement(this ISiloBuilder builder, int gpus, int cpuCores, IReadOnlyList<int>? gpuOrdinals = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSiloMetadata(SiloCapabilityMetadata.Describe(gpus, cpuCores, gpuOrdinals));
        builder.AddPlacementDirector<GpuPlacementStrategy, ComputePlacementDirector>();
        builder.AddPlacementDirector<CoreWeightedPlacementStrategy, ComputePlacementDirector>();
        return builder;
    }

    /// <summary>
    /// Adds the silo's own instruments (<see cref="SiloMetrics"/>: silos by membership status, the duration of the grain
    /// calls it serves, timed by <see cref="GrainCallMetricsFilter"/>), beside Orleans's <c>Microsoft.Orleans</c> meter.
    /// A <see cref="PrometheusMeterBridge"/> in the process exports both.
    /// </summary>
    public static ISiloBuilder AddOrreryMetrics(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<SiloMetrics>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloMetrics>());
        builder.Services.AddSingleton<IIncomingGrainCallFilter, GrainCallMetricsFilter>();
        return builder;
    }

    /// <summary>
    /// Refuses calls whose request or result would certainly exceed <c>MaxMessageBodySize</c> where they start
    /// (<see cref="MessageSizeGuard"/>), instead of Orleans dropping the connection and the caller timing out.
    /// </summary>
    public static ISiloBuilder AddMessageSizeGuard(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => new MessageSizeGuard(sp.GetRequiredService<IOptions<Orleans.Configuration.SiloMessagingOptions>>().Value.MaxMessageBodySize));
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<MessageSizeGuard>());
        builder.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<MessageSizeGuard>());
        return builder;
    }

    /// <summary>The client's side of <see cref="AddMessageSizeGuard(ISiloBuilder)"/>: its requests are checked before they are sent.</summary>
    public static IClientBuilder AddMessageSizeGuard(this IClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => new MessageSizeGuard(sp.GetRequiredService<IOptions<Orleans.Configuration.ClientMessagingOptions>>().Value.MaxMessageBodySize));
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<MessageSizeGuard>());
        return builder;
    }

    /// <summary>
    /// Uses Orleans's distributed grain directory (experimental in 10.4.2, ORLEANSEXP003) instead of its default
    /// eventually consistent one. With the default, a silo that leaves the cluster takes its share of the directory
    /// with it, and a call to a grain that lives on another, healthy silo can meet a fresh second activation: a sampling
    /// coordinator then answers that it holds no job while the first activation still runs it (seen in the sampling
    /// tests). The distributed directory hands its ranges over on membership changes and recovers them from the live
    /// activations, so a grain keeps one activation while silos come and go.
    /// </summary>
    public static ISiloBuilder UseConsistentGrainDirectory(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
#pragma warning disable ORLEANSEXP003 // experimental: chosen for the guarantee above, see the summary
        builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        return builder;
    }

    /// <summary>
    /// Adds the silo's tensor store and channel (<see cref="TensorChannel"/>, a singleton grains take by constructor
    /// injection), bound from the <c>Tensors</c> configuration section, then <paramref name="configure"/>, and validated
    /// at start. The channel serves from the RuntimeInitialize stage of the silo lifecycle.
    /// </summary>
    public static ISiloBuilder AddTensorChannel(this ISiloBuilder builder, Action<TensorChannelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TensorChannelOptions>().Bind(builder.Configuration.GetSection(TensorChannelOptions.SectionName));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TensorChannelOptions>, TensorChannelOptionsValidator>();
        builder.Services.AddSingleton(services =>
        {
            var silo = services.GetRequiredService<ILocalSiloDetails>();
            return new TensorChannel(
                services.GetRequiredService<IOptions<TensorChannelOptions>>().Value,
                new TensorChannelIdentity(silo.Name, silo.SiloAddress.Generation, silo.SiloAddress),
                services.GetRequiredService<ILoggerFactory>(),
                services.GetService<IMeterFactory>());
        });
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TensorChannelLifecycle>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MembershipChangeLog>();
        return builder;
    }

    /// <summary>
    /// Configures the silo's cluster identity, endpoints and membership: Redis clustering
    /// (Microsoft.Orleans.Clustering.Redis) when <see cref="OrleansSiloIdentity.RedisConnectionString"/> is set, else
    /// development clustering for one process; membership probe timings from <paramref name="options"/>. With Redis, a
    /// <see cref="MembershipRowWatchdog"/> stops the process (exit code 4) when Redis has lost this silo's row.
    /// </summary>
    public static ISiloBuilder UseOrreryClustering(this ISiloBuilder builder, OrleansSiloIdentity identity, OrleansSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        builder.UseConsistentGrainDirectory();
        builder.AddMessageSizeGuard();
        var advertised = System.Net.IPAddress.Parse(identity.AdvertisedAddress);
        var bind = System.Net.IPAddress.Parse(identity.BindAddress);
        builder.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = identity.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        builder.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = identity.Name);
        builder.Configure<Orleans.Configuration.EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            o.SiloListeningEndpoint = new System.Net.IPEndPoint(bind, options.SiloPort);
            o.GatewayListeningEndpoint = new System.Net.IPEndPoint(bind, options.GatewayPort);
        });
        builder.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = options.ProbeTimeout;
            o.NumMissedProbesLimit = options.MissedProbesLimit;
            o.IAmAliveTablePublishTimeout = options.IAmAliveTablePublishPeriod;
        });
        builder.Configure<Orleans.Configuration.GrainDirectoryOptions>(o => o.RangeLeaseDuration = options.DirectoryLeaseDuration);
        if (identity.RedisConnectionString is { } redis)
        {
            Microsoft.Extensions.Hosting.RedisClusteringISiloBuilderExtensions.UseRedisClustering(builder, redis);
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MembershipRowWatchdog>();
        }
        else
        {
            builder.UseDevelopmentClustering(new System.Net.IPEndPoint(advertised, options.SiloPort));
        }

        return builder;
    }
}
