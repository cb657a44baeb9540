namespace Orrery.Pca.Solvers;

/// <summary>
/// A PCA run description with a bad value. <see cref="Field"/> is the spec field to change (<c>leaves</c>,
/// <c>oversample</c>, ...), so a spec reader can point at its line without reading the message.
/// </summary>
public sealed class PcaOptionException : ArgumentException
{
    public PcaOptionException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public PcaOptionException()
    {
        Field = "";
    }

    public PcaOptionException(string message)
        : base(message)
    {
        Field = "";
    }

    public PcaOptionException(string message, Exception inner)
        : base(message, inner)
    {
        Field = "";
    }

    /// <summary>The spec field the message is about (snake_case, as in the spec); empty when none is.</summary>
    public string Field { get; }
}
