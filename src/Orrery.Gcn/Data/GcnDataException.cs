namespace Orrery.Gcn.Data;

/// <summary>A data file is unreadable or inconsistent; the message names the file and the line or byte offset.</summary>
public sealed class GcnDataException(string message) : Exception(message);
