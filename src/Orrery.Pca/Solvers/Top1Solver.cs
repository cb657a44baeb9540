namespace Orrery.Pca.Solvers;

/// <summary>The single-vector step each deflation worker runs on its deflated operator.</summary>
public enum Top1Solver
{
    /// <summary>Power iteration: x &lt;- Sigma_k x / ||Sigma_k x|| over the whole data.</summary>
    Power,

    /// <summary>Oja-style streaming: x &lt;- normalise(x + eta Sigma_k,batch x), one mini-batch (leaf) per step.</summary>
    Oja,
}
