namespace Orrery.Pca.Solvers;

/// <summary>The names of solvers and Top1 steps in specs and on the wire.</summary>
public static class SolverNames
{
    public static string Of(PcaSolver solver) => solver switch
    {
        PcaSolver.ParallelDeflation => "parallel",
        PcaSolver.Sequential => "sequential",
        PcaSolver.Subspace => "subspace",
        _ => "eigengame",
    };

    public static PcaSolver Solver(string name) => name switch
    {
        "parallel" => PcaSolver.ParallelDeflation,
        "sequential" => PcaSolver.Sequential,
        "eigengame" => PcaSolver.EigenGame,
        "subspace" => PcaSolver.Subspace,
        _ => throw new ArgumentException($"solver is '{name}'; it must be parallel, sequential, eigengame or subspace"),
    };

    /// <summary>Whether <paramref name="solver"/> runs DeflationWorker grains (all but subspace iteration, which the driver runs alone).</summary>
    public static bool UsesWorkers(PcaSolver solver) => solver != PcaSolver.Subspace;

    public static string Of(Top1Solver top1) => top1 == Top1Solver.Power ? "power" : "oja";

    public static Top1Solver Top1(string name) => name switch
    {
        "" or "power" => Top1Solver.Power,
        "oja" => Top1Solver.Oja,
        _ => throw new ArgumentException($"top1 is '{name}'; it must be power or oja"),
    };
}
