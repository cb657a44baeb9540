using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Experiments;

/// <summary>
/// The GCN runner's resume file: the last checkpoint the coordinator handed over (weights, Adam's state) and the epochs'
/// metrics up to it, so that <c>orrery run --resume</c> continues a run whose client was lost (killed, or its machine
/// gone) where the checkpoint left it. Little-endian binary:
/// <code>
/// magic "ORRERY-GCN-CKPT\n" (16 bytes), version int32 = 2,
/// fingerprint: SHA-256 of the run's request as JSON (32 bytes): a file from another spec is refused,
/// epoch int32 (epochs finished), Adam steps int32, parameter count n int32,
/// weights, Adam first moments, Adam second moments: n float32 each,
/// epoch x (loss, train, validation and test accuracy (NaN where not evaluated), seconds, exchange seconds, evaluation
/// seconds: float64 each; exchanged bytes int64),
/// SHA-256 of everything before it (32 bytes).
/// </code>
/// Written to a temporary file and renamed over the old one, so a client killed while writing leaves the previous
/// checkpoint whole. Every refusal names the file and what is wrong with it.
/// </summary>
public static class GcnCheckpointFile
{
    /// <summary>The resume file's name in <see cref="Orrery.Experiments.ExperimentOutput.ResumeDirectory"/>.</summary>
    public const string FileName = "gcn-checkpoint.bin";

    private const int Version = 2;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("ORRERY-GCN-CKPT\n");

    /// <summary>The fingerprint of a run: SHA-256 of its request serialised as JSON.</summary>
    public static byte[] Fingerprint(GcnTrainRequest request) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request));

    /// <summary>Writes <paramref name="checkpoint"/> and the first <c>checkpoint.Epoch</c> rows of <paramref name="metrics"/> and <paramref name="bytes"/>.</summary>
    public static void Write(string path, GcnTrainRequest request, GcnCheckpoint checkpoint, IReadOnlyList<EpochMetrics> metrics, IReadOnlyList<long> bytes)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(bytes);
        if (metrics.Count < checkpoint.Epoch || bytes.Count < checkpoint.Epoch)
        {
            throw new ArgumentException($"the checkpoint after epoch {checkpoint.Epoch} needs that many metric rows; {metrics.Count} given");
        }

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(Fingerprint(request));
            writer.Write(checkpoint.Epoch);
            writer.Write(checkpoint.AdamSteps);
            writer.Write(checkpoint.Weights.Length);
            foreach (var values in new[] { checkpoint.Weights, checkpoint.AdamFirst, checkpoint.AdamSecond })
            {
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            }

            for (var e = 0; e < checkpoint.Epoch; e++)
            {
                var m = metrics[e];
                writer.Write(m.Loss);
                writer.Write(m.TrainAccuracy);
                writer.Write(m.ValidationAccuracy);
                writer.Write(m.TestAccuracy);
                writer.Write(m.Seconds);
                writer.Write(m.ExchangeSeconds);
                writer.Write(m.EvaluationSeconds);
                writer.Write(bytes[e]);
            }
        }

        buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, buffer.ToArray());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a resume file written for <paramref name="request"/>; <see cref="InvalidDataException"/> names the file and the problem.</summary>
    public static (GcnCheckpoint Checkpoint, List<EpochMetrics> Metrics, List<long> Bytes) Read(string path, GcnTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var data = File.ReadAllBytes(path);
        InvalidDataException Bad(string problem) => new($"checkpoint file {path}: {problem}");
        if (data.Length < Magic.Length || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Bad("not an Orrery GCN checkpoint (its first bytes are not the magic \"ORRERY-GCN-CKPT\")");
        }

        if (data.Length < Magic.Length + 4 + 32 + 32)
        {
            throw Bad($"truncated: {data.Length} bytes, shorter than a header and checksum");
        }

        var body = data.AsSpan(0, data.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data.AsSpan(data.Length - 32)))
        {
            throw Bad("its checksum does not match its contents (a damaged or truncated file)");
        }

        using var reader = new BinaryReader(new MemoryStream(data, 0, body.Length));
        reader.ReadBytes(Magic.Length);
        var version = reader.ReadInt32();
        if (version != Version)
        {
            throw Bad($"version is {version}; this orrery reads version {Version}");
        }

        if (!reader.ReadBytes(32).AsSpan().SequenceEqual(Fingerprint(request)))
        {
            throw Bad("it was written for another run (the spec's model, data, partitioning, exchange or training differ); " +
                "run without --resume to start again from the seed");
        }

        var epoch = reader.ReadInt32();
        var steps = reader.ReadInt32();
        var count = reader.ReadInt32();
        var expected = (long)Magic.Length + 4 + 32 + 12 + 3L * 4 * Math.Max(count, 0) + (long)Math.Max(epoch, 0) * (7 * 8 + 8);
        if (epoch < 0 || epoch > request.Epochs || steps < 0 || count < 0 || expected != body.Length)
        {
            throw Bad($"epoch {epoch}, Adam steps {steps}, {count} parameters and {body.Length} bytes do not fit together " +
                $"(the run has {request.Epochs} epochs)");
        }

        float[] Floats()
        {
            var values = new float[count];
            reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        var checkpoint = new GcnCheckpoint { Epoch = epoch, AdamSteps = steps, Weights = Floats(), AdamFirst = Floats(), AdamSecond = Floats() };
        var metrics = new List<EpochMetrics>(epoch);
        var bytes = new List<long>(epoch);
        for (var e = 0; e < epoch; e++)
        {
            metrics.Add(new EpochMetrics(e, reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble()));
            bytes.Add(reader.ReadInt64());
        }

        return (checkpoint, metrics, bytes);
    }
}
