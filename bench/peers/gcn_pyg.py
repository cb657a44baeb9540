#!/usr/bin/env python3
"""PyTorch Geometric peer of Orrery's full-graph GCN training, for bench/run-gcn-gpu.sh (a GPU machine).

The model of bench/peers/gcn_torch.py written with PyG's own layers, as a PyG user writes it:
  aggregating layers: SAGEConv(aggr="mean", root_weight=True) on the graph with a self-loop at every node, so the
      neighbour term is lin_l(mean over in-neighbours and self) = (Â h) W_neigh + b, Â = D^-1 (A + I) as in Orrery,
      and the root term lin_r(h) = h W_self (PyG's root weight has no bias: Orrery's two biases add up to one);
  the `--linear-layers` last layers: torch.nn.Linear;
  dropout on every layer's input, LayerNorm (eps 1e-5) then ReLU after every layer but the last, softmax
  cross-entropy over the training nodes, torch.optim.Adam with L2 weight decay; PyG's default initialisation.
The graph and the split are the files gcn_torch.py reads (Orrery's `data.source: files` inputs and split.npy).
`--layout sparse` hands SAGEConv a transposed sparse adjacency (PyG's spmm path) instead of an edge_index
(gather and scatter per edge). Each epoch is one training step and an evaluation pass, both timed with the device
synchronised. Prints one RESULT line and writes --out JSON and --csv like gcn_torch.py.

    gcn_pyg.py --edges e.csv --features x.npy --labels y.npy --split split.npy --device cuda --layers 3 \\
        --hidden 128 --linear-layers 1 --dropout 0.5 --epochs 12 --lr 0.003 --weight-decay 5e-4 --out pyg.json
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gcn_torch import read_edges  # noqa: E402  (the same edge-list reader, Orrery's CSV rules)

try:
    import torch_geometric
    from torch_geometric.nn import SAGEConv
except ImportError:
    sys.exit("gcn_pyg.py: PyTorch Geometric is not installed (import torch_geometric failed); the GPU machines have it")


def edge_index_with_self_loops(sources, targets, nodes, undirected, device):
    """(2, E) edge_index, row 0 the source and row 1 the target, self-loops and duplicates dropped and one self-loop
    per node added: the neighbourhood Orrery aggregates (mean over in-neighbours and the node itself)."""
    if undirected:
        sources, targets = np.concatenate([sources, targets]), np.concatenate([targets, sources])
    keep = sources != targets
    keys = np.unique(targets[keep] * nodes + sources[keep])
    rows, cols = keys // nodes, keys % nodes
    loops = np.arange(nodes, dtype=np.int64)
    index = np.stack([np.concatenate([cols, loops]), np.concatenate([rows, loops])])
    return torch.from_numpy(index).to(device), len(keys)


class PygGcn(torch.nn.Module):
    """SAGEConv layers then `linear_tail` Linear layers, LayerNorm and ReLU between them."""

    def __init__(self, inputs, hidden, classes, layers, linear_tail, dropout):
        super().__init__()
        self.dropout = dropout
        self.layers = torch.nn.ModuleList()
        self.norms = torch.nn.ModuleList()
        for l in range(layers):
            i, o = (inputs if l == 0 else hidden), (classes if l == layers - 1 else hidden)
            aggregates = l < layers - linear_tail
            self.layers.append(SAGEConv(i, o, aggr="mean", root_weight=True) if aggregates else torch.nn.Linear(i, o))
            if l < layers - 1:
                self.norms.append(torch.nn.LayerNorm(o, eps=1e-5))

    def forward(self, x, graph):
        h = x
        for l, layer in enumerate(self.layers):
            h = F.dropout(h, self.dropout, self.training)
            h = layer(h, graph) if isinstance(layer, SAGEConv) else layer(h)
            if l < len(self.layers) - 1:
                h = torch.relu(self.norms[l](h))
        return h


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--split", required=True, help=".npy per node: 0 train, 1 validation, 2 test, other unused")
    parser.add_argument("--directed", action="store_true", help="take each CSV line one way only (Orrery's undirected: false)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--layout", choices=["edge_index", "sparse"], default="edge_index")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--linear-layers", type=int, default=0)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3, help="epochs left out of the median")
    parser.add_argument("--out", help="JSON summary")
    parser.add_argument("--csv", help="per-epoch CSV in Orrery's metrics.csv columns")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    synchronise = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    started = time.perf_counter()
    x = torch.from_numpy(np.load(args.features).astype(np.float32, copy=False))
    labels_raw = np.load(args.labels)
    split = torch.from_numpy(np.load(args.split).astype(np.int64))
    nodes = x.shape[0]
    if labels_raw.ndim != 1 or labels_raw.shape[0] != nodes or split.shape[0] != nodes:
        sys.exit(f"gcn_pyg.py: labels {labels_raw.shape} and split {tuple(split.shape)} must be one class (or -1) per node of {args.features} ({nodes} rows)")
    labels = torch.from_numpy(labels_raw.astype(np.int64))
    classes = int(labels.max()) + 1
    sources, targets = read_edges(args.edges)
    graph, edges = edge_index_with_self_loops(sources, targets, nodes, not args.directed, device)
    if args.layout == "sparse":
        # SAGEConv's message_and_aggregate: adj_t (targets x sources) times x, reduced by mean.
        values = torch.ones(graph.shape[1], device=device)
        graph = torch.sparse_coo_tensor(torch.stack([graph[1], graph[0]]), values, (nodes, nodes)).coalesce().to_sparse_csr()
    x, labels, split = x.to(device), labels.to(device), split.to(device)
    masks = [split == s for s in range(3)]
    train_index = masks[0].nonzero().squeeze(1)
    train_labels = labels[train_index]
    model = PygGcn(x.shape[1], args.hidden, classes, args.layers, args.linear_layers, args.dropout).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    synchronise()
    setup_seconds = time.perf_counter() - started

    def evaluate():
        model.eval()
        with torch.no_grad():
            correct = model(x, graph).argmax(1) == labels
        return [float(correct[m].sum()) / max(1, int(m.sum())) for m in masks]

    rows = []
    for epoch in range(args.epochs):
        synchronise()
        clock = time.perf_counter()
        model.train()
        optimiser.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x, graph)[train_index], train_labels)
        loss.backward()
        optimiser.step()
        synchronise()
        step_seconds = time.perf_counter() - clock

        clock = time.perf_counter()
        accuracy = evaluate()
        synchronise()
        eval_seconds = time.perf_counter() - clock
        rows.append((epoch, float(loss), *accuracy, step_seconds, eval_seconds))

    timed = rows[args.warmup:] if len(rows) > args.warmup else rows
    last = rows[-1]
    summary = {
        "impl": f"pyg-{device.type}",
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "layout": args.layout,
        "nodes": nodes,
        "edges": edges,
        "features": x.shape[1],
        "classes": classes,
        "train_nodes": int(masks[0].sum()),
        "epochs": args.epochs,
        "warmup": args.warmup,
        "setup_seconds": setup_seconds,
        "median_epoch_seconds": statistics.median(r[5] for r in timed),
        "median_eval_seconds": statistics.median(r[6] for r in timed),
        "peak_memory_bytes": torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None,
        "final_loss": last[1],
        "train_accuracy": last[2],
        "validation_accuracy": last[3],
        "test_accuracy": last[4],
    }
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8") as f:
            f.write("epoch,loss,train_accuracy,validation_accuracy,test_accuracy,seconds,eval_seconds\n")
            for r in rows:
                f.write(",".join(repr(v) for v in r) + "\n")
    print(f"RESULT impl={summary['impl']} layout={args.layout} nodes={nodes} edges={edges} epochs={args.epochs} "
          f"epoch_seconds={summary['median_epoch_seconds']:.4f} eval_seconds={summary['median_eval_seconds']:.4f} "
          f"loss={last[1]:.4f} test_accuracy={last[4]:.4f} setup_seconds={setup_seconds:.2f}")


if __name__ == "__main__":
    main()
