using Orleans;

namespace Orrery.Contracts.Pca;

/// <summary>A PCA request a grain cannot take (a bad run description, or a call out of order); the message names the field.</summary>
[GenerateSerializer]
[Alias("orrery.pca.request-error")]
public sealed class PcaRequestException : Exception
{
    public PcaRequestException()
    {
    }

    public PcaRequestException(string message)
        : base(message)
    {
    }

    public PcaRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A deflation worker activation holds no vector: its silo was lost and Orleans activated the key afresh, or it was
/// deactivated. The coordinator restarts every worker from its last published vector and runs the round again.
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.worker-lost")]
public sealed class PcaWorkerLostException : Exception
{
    public PcaWorkerLostException()
    {
    }

    public PcaWorkerLostException(string message)
        : base(message)
    {
    }

    public PcaWorkerLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A coordinator activation holds no run: its silo was lost and Orleans activated the key afresh, or it was deactivated.
/// The client (PcaJob) starts the run again under a new key; synchronous runs give the same bits.
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.run-lost")]
public sealed class PcaRunLostException : Exception
{
    public PcaRunLostException()
    {
    }

    public PcaRunLostException(string message)
        : base(message)
    {
    }

    public PcaRunLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A PCA run that failed for a reason a retry cannot fix (not a lost silo); the message carries the coordinator's reason.</summary>
[GenerateSerializer]
[Alias("orrery.pca.run-failed")]
public sealed class PcaRunFailedException : Exception
{
    public PcaRunFailedException()
    {
    }

    public PcaRunFailedException(string message)
        : base(message)
    {
    }

    public PcaRunFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A solver met a vector or product that is not finite (an overflow in float32, usually data with values near its range):
/// the run cannot go on and is not retried. The message names the round, the worker (or block vector) and the step.
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.diverged")]
public sealed class PcaDivergedException : Exception
{
    public PcaDivergedException()
    {
    }

    public PcaDivergedException(string message)
        : base(message)
    {
    }

    public PcaDivergedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
