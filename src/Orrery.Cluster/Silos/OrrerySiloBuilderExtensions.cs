using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
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
    public static ISiloBuilder AddOrreryPlacement(this ISiloBuilder builder, int gpus, int cpuCores)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSiloMetadata(SiloCapabilityMetadata.Describe(gpus, cpuCores));
        builder.AddPlacementDirector<GpuPlacementStrategy, ComputePlacementDirector>();
        builder.AddPlacementDirector<CoreWeightedPlacementStrategy, ComputePlacementDirector>();
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
        return builder;
    }
}
