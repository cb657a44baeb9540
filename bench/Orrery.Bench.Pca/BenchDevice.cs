using Microsoft.Extensions.DependencyInjection;
using Orrery.Compute;

namespace Orrery.Bench.Pca;

/// <summary>
/// <c>--device cpu|cuda|cuda:N</c> of the timing parts. <c>cpu</c> (the default) registers nothing: the
/// embedded silos' shards use the process's shared CPU device. <c>cuda</c> (= <c>cuda:0</c>) or
/// <c>cuda:N</c> opens that GPU (throwing with the reason when it is not usable) and registers its
/// <see cref="DeviceDiscovery"/> in every embedded silo, so the shards' Y_s^T (Y_s V) runs through cuBLAS,
/// the path a GPU silo takes.
/// </summary>
internal sealed class BenchDevice : IDisposable
{
    private readonly DeviceDiscovery? _discovery;

    public BenchDevice(BenchArguments args)
    {
        var device = args.Text("device", "cpu");
        _discovery = device == "cpu" ? null : ComputeDevices.Discover(device == "cuda" ? "cuda:0" : device);
    }

    public string Note => _discovery?.Note ?? "cpu (the process's shared CPU device)";

    public Action<IServiceCollection>? Services => _discovery is null ? null : services => services.AddSingleton(_discovery);

    public void Dispose() => _discovery?.Dispose();
}
