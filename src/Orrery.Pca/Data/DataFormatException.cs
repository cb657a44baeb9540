namespace Orrery.Pca.Data;

/// <summary>A data file that cannot be read as a matrix; the message names the file, the offset or line, and the problem.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string message)
        : base(message)
    {
    }

    public DataFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
