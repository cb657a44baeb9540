#!/usr/bin/env python3
"""PyTorch CPU peer of Orrery's full-graph GCN training (src/Orrery.Gcn, specs/gcn.md), for bench/run-gcn.sh.

The same model on the same files, in float32 with a sparse adjacency, written the way one writes it in PyTorch:
  layer l (aggregating, GraphSAGE-mean):  z = x W_self + b_self + (Â x) W_neigh + b_neigh,
      Â = D^-1 (A + I), A[t, s] = 1 for each edge s -> t (self-loops and duplicates dropped), D = in-degree + 1
  layer l (the `--linear-layers` last ones): z = x W + b
  dropout on every layer's input (the features included), LayerNorm (eps 1e-5, scale and shift) then ReLU after every
  layer but the last; softmax cross-entropy averaged over the training nodes (Orrery's sum over parts divided by the
  global training count); torch.optim.Adam with L2 weight decay added to the gradient (Orrery's AdamOptimizer) on
  every parameter; Glorot-uniform weights, zero biases and shifts, unit scales (GcnParameters.Initialise).
The random numbers differ (torch's generator, not Orrery's Philox), so weights and dropout masks are not Orrery's:
accuracies agree statistically, not bit for bit (tests/Orrery.Gcn.Tests/TorchReferenceTests.cs checks the model
itself against a float64 PyTorch reference with Orrery's own weights).

Inputs are Orrery's `data.source: files` inputs: the edge list CSV (`source,target` per line, an optional header, `#`
comments; `--undirected` as Orrery's default adds each edge both ways), features .npy (nodes, features), labels .npy
(one class per node, -1 unlabelled), and the split Orrery draws for those files, made explicit in `--split` (a .npy of
0 train, 1 validation, 2 test, 3 unused per node; Orrery.Bench.Gcn writes it with Orrery's own loader).

Each epoch is one training step (forward, loss, backward, Adam: what Orrery's metrics.csv `seconds` times) and an
evaluation pass without dropout (timed apart, as Orrery's is). Prints one RESULT line and writes --out JSON and --csv.

    gcn_torch.py --edges e.csv --features x.npy --labels y.npy --split split.npy --layers 3 --hidden 128 \
        --linear-layers 1 --dropout 0.5 --epochs 30 --lr 0.01 --weight-decay 5e-4 --out torch.json --csv torch.csv
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F


def read_edges(path):
    """(sources, targets) as int64 arrays from Orrery's edge-list CSV."""
    with open(path, "r", encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    lines = [line for line in lines if line and not line.startswith("#")]
    if lines and not lines[0].replace(",", "").replace(" ", "").lstrip("-").isdigit():
        lines = lines[1:]  # a header line, as Orrery skips it
    pairs = np.array(",".join(lines).split(","), dtype=np.int64).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def normalised_adjacency(sources, targets, nodes, undirected, layout, device="cpu"):
    """Â = D^-1 (A + I) as a function h -> Â h that autograd can differentiate, and the distinct edge count.

    Row t of Â aggregates t's in-neighbours. `coo`: torch.sparse.mm on a COO tensor, differentiated by torch (which
    transposes Â for every backward). `csr`: Â and Â^T both held as CSR (Â is not symmetric: its rows are divided by
    the degree), forward Â h and backward Â^T g each one CSR spmm, as PyG's SparseTensor keeps the transpose."""
    if undirected:
        sources, targets = np.concatenate([sources, targets]), np.concatenate([targets, sources])
    keep = sources != targets
    keys = np.unique(targets[keep] * nodes + sources[keep])  # sorted, deduplicated
    rows, cols = keys // nodes, keys % nodes
    degree = np.bincount(rows, minlength=nodes).astype(np.float64) + 1.0
    loops = np.arange(nodes, dtype=np.int64)
    rows, cols = np.concatenate([rows, loops]), np.concatenate([cols, loops])
    values = (1.0 / degree[rows]).astype(np.float32)
    adj = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(values), (nodes, nodes)).coalesce().to(device)
    distinct_edges = len(keys)
    if layout == "coo":
        return (lambda h: torch.sparse.mm(adj, h)), distinct_edges
    forward_csr, backward_csr = adj.to_sparse_csr(), adj.t().coalesce().to_sparse_csr()

    class Aggregate(torch.autograd.Function):
        @staticmethod
        def forward(ctx, h):
            return torch.sparse.mm(forward_csr, h)

        @staticmethod
        def backward(ctx, grad):
            return torch.sparse.mm(backward_csr, grad)

    return Aggregate.apply, distinct_edges


class Gcn(torch.nn.Module):
    """Orrery's model: GraphSAGE-mean layers, then `linear_tail` plain linear layers."""

    def __init__(self, inputs, hidden, classes, layers, linear_tail, dropout):
        super().__init__()
        self.layers, self.linear_tail, self.dropout = layers, linear_tail, dropout
        self.weights = torch.nn.ParameterList()
        self.neighbour = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        self.neighbour_biases = torch.nn.ParameterList()
        self.norms = torch.nn.ModuleList()
        for l in range(layers):
            i, o = (inputs if l == 0 else hidden), (classes if l == layers - 1 else hidden)
            self.weights.append(torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(i, o))))
            self.biases.append(torch.nn.Parameter(torch.zeros(o)))
            if self.aggregates(l):
                self.neighbour.append(torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(i, o))))
                self.neighbour_biases.append(torch.nn.Parameter(torch.zeros(o)))
            if l < layers - 1:
                self.norms.append(torch.nn.LayerNorm(o, eps=1e-5))

    def aggregates(self, l):
        return l < self.layers - self.linear_tail

    def load_orrery(self, folder):
        """Loads the weights an Orrery run wrote (weights/NAME.npy, GcnParameters' names and shapes)."""
        def read(name):
            return torch.from_numpy(np.load(os.path.join(folder, name + ".npy")).astype(np.float32))

        with torch.no_grad():
            for l in range(self.layers):
                own = f"layer{l}.self" if self.aggregates(l) else f"layer{l}"
                self.weights[l].copy_(read(own + ".weight"))
                self.biases[l].copy_(read(own + ".bias").reshape(-1))
                if self.aggregates(l):
                    self.neighbour[l].copy_(read(f"layer{l}.neighbour.weight"))
                    self.neighbour_biases[l].copy_(read(f"layer{l}.neighbour.bias").reshape(-1))
                if l < self.layers - 1:
                    self.norms[l].weight.copy_(read(f"layer{l}.norm.scale").reshape(-1))
                    self.norms[l].bias.copy_(read(f"layer{l}.norm.shift").reshape(-1))

    def forward(self, aggregate, x):
        h = x
        for l in range(self.layers):
            h = F.dropout(h, self.dropout, self.training)
            z = torch.addmm(self.biases[l], h, self.weights[l])
            if self.aggregates(l):
                # h: (nodes, in_l); Â h: (nodes, in_l)
                z = z + torch.addmm(self.neighbour_biases[l], aggregate(h), self.neighbour[l])
            if l < self.layers - 1:
                z = torch.relu(self.norms[l](z))
            h = z
        return h  # (nodes, classes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--split", required=True, help=".npy per node: 0 train, 1 validation, 2 test, other unused")
    parser.add_argument("--directed", action="store_true", help="take each CSV line one way only (Orrery's undirected: false)")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--linear-layers", type=int, default=0)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3, help="epochs left out of the median")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--sparse", choices=["csr", "coo"], default="csr",
                        help="Â and Â^T as CSR with a custom backward (default; about 1.5x faster fwd+bwd on torch 1.13 CPU), or COO differentiated by torch")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda / cuda:N: the same model on a GPU (times synchronise the device)")
    parser.add_argument("--orrery-weights", help="an Orrery run's weights/ folder: first evaluate the model with those weights "
                        "(the accuracies must be that run's final ones: the same model) and record them as orrery_weights_check")
    parser.add_argument("--out", help="JSON summary")
    parser.add_argument("--csv", help="per-epoch CSV in Orrery's metrics.csv columns")
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    started = time.perf_counter()
    x = torch.from_numpy(np.load(args.features).astype(np.float32, copy=False))
    labels_raw = np.load(args.labels)
    split = torch.from_numpy(np.load(args.split).astype(np.int64))
    nodes = x.shape[0]
    if labels_raw.ndim != 1 or labels_raw.shape[0] != nodes or split.shape[0] != nodes:
        sys.exit(f"gcn_torch.py: labels {labels_raw.shape} and split {tuple(split.shape)} must be one class (or -1) per node of {args.features} ({nodes} rows)")
    labels = torch.from_numpy(labels_raw.astype(np.int64))
    classes = int(labels.max()) + 1
    sources, targets = read_edges(args.edges)
    aggregate, edges = normalised_adjacency(sources, targets, nodes, not args.directed, args.sparse, device)
    x, labels, split = x.to(device), labels.to(device), split.to(device)
    masks = [split == s for s in range(3)]
    train_index = masks[0].nonzero().squeeze(1)
    train_labels = labels[train_index]
    model = Gcn(x.shape[1], args.hidden, classes, args.layers, args.linear_layers, args.dropout).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    synchronise = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    synchronise()
    setup_seconds = time.perf_counter() - started

    def evaluate():
        model.eval()
        with torch.no_grad():
            correct = model(aggregate, x).argmax(1) == labels
        return [float(correct[m].sum()) / max(1, int(m.sum())) for m in masks]

    check = None
    if args.orrery_weights:
        trained = Gcn(x.shape[1], args.hidden, classes, args.layers, args.linear_layers, args.dropout)
        trained.load_orrery(args.orrery_weights)
        trained = trained.to(device)
        model, fresh = trained, model
        check = dict(zip(["train_accuracy", "validation_accuracy", "test_accuracy"], evaluate()))
        model = fresh
        print(f"CHECK PyTorch forward with the weights of {args.orrery_weights}: accuracy train {check['train_accuracy']:.4f} "
              f"validation {check['validation_accuracy']:.4f} test {check['test_accuracy']:.4f}")

    rows = []
    for epoch in range(args.epochs):
        clock = time.perf_counter()
        model.train()
        optimiser.zero_grad(set_to_none=True)
        logits = model(aggregate, x)
        loss = F.cross_entropy(logits[train_index], train_labels)
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
    impl = "torch-cpu" if device.type == "cpu" else "torch-cuda"
    summary = {
        "impl": impl,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "sparse": args.sparse,
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
        "final_loss": last[1],
        "train_accuracy": last[2],
        "validation_accuracy": last[3],
        "test_accuracy": last[4],
        "orrery_weights_check": check,
    }
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8") as f:
            f.write("epoch,loss,train_accuracy,validation_accuracy,test_accuracy,seconds,eval_seconds\n")
            for r in rows:
                f.write(",".join(repr(v) for v in r) + "\n")
    print(f"RESULT impl={impl} threads={summary['threads']} nodes={nodes} edges={edges} epochs={args.epochs} "
          f"epoch_seconds={summary['median_epoch_seconds']:.4f} eval_seconds={summary['median_eval_seconds']:.4f} "
          f"loss={last[1]:.4f} test_accuracy={last[4]:.4f} setup_seconds={setup_seconds:.2f}")


if __name__ == "__main__":
    main()
