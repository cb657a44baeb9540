using Orrery.Compute;
using Orrery.Compute.Random;

namespace Orrery.Gcn.Model;

/// <summary>
/// The model's parameters (or their gradients) in a fixed order: per layer the weights and biases, then LayerNorm's
/// scale and shift after every layer but the last. Every part of a run holds an identical copy.
/// </summary>
public sealed class GcnParameters : IDisposable
{
    private readonly List<(string Name, Tensor2 Value)> _entries = [];

    /// <summary>Allocates zeroed parameters of <paramref name="config"/>'s shape.</summary>
    public GcnParameters(IComputeDevice device, GcnModelConfig config)
    {
        config.Validate();
        Config = config;
        for (var l = 0; l < config.Layers; l++)
        {
            int input = config.InputWidth(l), output = config.OutputWidth(l);
            if (config.Aggregates(l) && config.Kind == GcnLayerKind.Sage)
            {
                Add($"layer{l}.self.weight", device, input, output);
                Add($"layer{l}.self.bias", device, 1, output);
                Add($"layer{l}.neighbour.weight", device, input, output);
                Add($"layer{l}.neighbour.bias", device, 1, output);
            }
            else
            {
                Add($"layer{l}.weight", device, input, output);
                Add($"layer{l}.bias", device, 1, output);
            }

            if (l < config.Layers - 1)
            {
                Add($"layer{l}.norm.scale", device, 1, output);
                Add($"layer{l}.norm.shift", device, 1, output);
            }
        }

        TotalLength = _entries.Sum(e => e.Value.Length);
    }

    /// <summary>The model shape.</summary>
    public GcnModelConfig Config { get; }

    /// <summary>All parameters' element counts together.</summary>
    public int TotalLength { get; }

    /// <summary>Names and tensors in order.</summary>
    public IReadOnlyList<(string Name, Tensor2 Value)> Entries => _entries;

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    public Tensor2 this[string name] => _entries.First(e => e.Name == name).Value;

    /// <summary>Self (or only) weight of layer <paramref name="layer"/>: (in, out).</summary>
    public Tensor2 Weight(int layer) => Config.Aggregates(layer) && Config.Kind == GcnLayerKind.Sage ? this[$"layer{layer}.self.weight"] : this[$"layer{layer}.weight"];

    /// <summary>Self (or only) bias of layer <paramref name="layer"/>: (1, out).</summary>
    public Tensor2 Bias(int layer) => Config.Aggregates(layer) && Config.Kind == GcnLayerKind.Sage ? this[$"layer{layer}.self.bias"] : this[$"layer{layer}.bias"];

    /// <summary>Neighbour weight of a SAGE layer: (in, out).</summary>
    public Tensor2 NeighbourWeight(int layer) => this[$"layer{layer}.neighbour.weight"];

    /// <summary>Neighbour bias of a SAGE layer: (1, out).</summary>
    public Tensor2 NeighbourBias(int layer) => this[$"layer{layer}.neighbour.bias"];

    /// <summary>LayerNorm scale after layer <paramref name="layer"/>.</summary>
    public Tensor2 NormScale(int layer) => this[$"layer{layer}.norm.scale"];

    /// <summary>LayerNorm shift after layer <paramref name="layer"/>.</summary>
    public Tensor2 NormShift(int layer) => this[$"layer{layer}.norm.shift"];

    /// <summary>
    /// Glorot-uniform weights U(-a, a) with a = sqrt(6 / (in + out)), zero biases and shifts, unit scales. The
    /// uniforms come from Philox keyed by (seed, parameter index), so every part draws the same weights.
    /// </summary>
    public void Initialise()
    {
        for (var p = 0; p < _entries.Count; p++)
        {
            var (name, value) = _entries[p];
            var values = new float[value.Length];
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                var a = MathF.Sqrt(6f / (value.Rows + value.Columns));
                for (var i = 0; i < values.Length; i += 4)
                {
                    var block = Philox4x32.Generate(Config.Seed, 0x6763_6E00UL + (ulong)p, (ulong)(i / 4));
                    ReadOnlySpan<uint> words = [block.X0, block.X1, block.X2, block.X3];
                    for (var j = 0; j < 4 && i + j < values.Length; j++)
                    {
                        values[i + j] = (2f * NormalTransform.Uniform(words[j]) - 1f) * a;
                    }
                }
            }
            else if (name.EndsWith(".scale", StringComparison.Ordinal))
            {
                values.AsSpan().Fill(1f);
            }

            value.Upload(values);
        }
    }

    /// <summary>Sets every element to 0.</summary>
    public void Clear()
    {
        foreach (var (_, value) in _entries)
        {
            value.Clear();
        }
    }

    /// <summary>All parameters, concatenated in order.</summary>
    public float[] Flatten()
    {
        var flat = new float[TotalLength];
        CopyTo(flat);
        return flat;
    }

    /// <summary>Copies all parameters, concatenated in order, into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        var offset = 0;
        foreach (var (_, value) in _entries)
        {
            value.Download(destination.Slice(offset, value.Length));
            offset += value.Length;
        }
    }

    /// <summary>Loads all parameters from a concatenation in order.</summary>
    public void Load(ReadOnlySpan<float> source)
    {
        if (source.Length != TotalLength)
        {
            throw new ArgumentException($"{source.Length} values for {TotalLength} parameters");
        }

        var offset = 0;
        foreach (var (_, value) in _entries)
        {
            value.Upload(source.Slice(offset, value.Length));
            offset += value.Length;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, value) in _entries)
        {
            value.Dispose();
        }
    }

    private void Add(string name, IComputeDevice device, int rows, int columns) => _entries.Add((name, new Tensor2(device, rows, columns)));
}
