"""PyTorch reference for Orrery.Gcn (tests/Orrery.Gcn.Tests/TorchReferenceTests.cs).

Reads a graph, a model description and initial weights written by the test, builds the same model with torch
(float64, dense normalised adjacency built here from the edge list, independent of Orrery's partition code), runs
`steps` iterations of full-graph training without dropout with torch.optim.Adam, and writes the loss of each
iteration, the gradients of the first iteration and the weights after the last.

usage: gcn_reference.py DIR   (DIR holds config.json, edges.npy, features.npy, targets.npy, split.npy, w_*.npy)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

d = sys.argv[1]
cfg = json.load(open(os.path.join(d, "config.json")))
edges = np.load(os.path.join(d, "edges.npy"))
x = torch.tensor(np.load(os.path.join(d, "features.npy")), dtype=torch.float64)
targets = torch.tensor(np.load(os.path.join(d, "targets.npy")), dtype=torch.float64)
split = torch.tensor(np.load(os.path.join(d, "split.npy")))
names = cfg["names"]
params = [torch.tensor(np.load(os.path.join(d, f"w_{i}.npy")), dtype=torch.float64, requires_grad=True) for i in range(len(names))]
p = dict(zip(names, params))

n = x.shape[0]
a = torch.zeros(n, n, dtype=torch.float64)
for s, t in edges:
    if s != t:
        a[t, s] = 1.0  # row t aggregates its in-neighbour s
a = a + torch.eye(n, dtype=torch.float64)
deg = a.sum(1)
if cfg["kind"] == "Sage":
    adj = a / deg[:, None]
else:
    r = deg.pow(-0.5)
    adj = r[:, None] * a * r[None, :]

layers, linear_tail = cfg["layers"], cfg["linearTail"]
train = split == 0
n_train = int(train.sum())


def forward():
    h = x
    for l in range(layers):
        aggregates = l < layers - linear_tail
        if aggregates and cfg["kind"] == "Sage":
            z = h @ p[f"layer{l}.self.weight"] + p[f"layer{l}.self.bias"] + (adj @ h) @ p[f"layer{l}.neighbour.weight"] + p[f"layer{l}.neighbour.bias"]
        elif aggregates:
            z = (adj @ h) @ p[f"layer{l}.weight"] + p[f"layer{l}.bias"]
        else:
            z = h @ p[f"layer{l}.weight"] + p[f"layer{l}.bias"]
        if l < layers - 1:
            width = z.shape[1]
            z = F.layer_norm(z, (width,), p[f"layer{l}.norm.scale"].reshape(width), p[f"layer{l}.norm.shift"].reshape(width), eps=1e-5)
            z = torch.relu(z)
        h = z
    return h


opt = torch.optim.Adam(params, lr=cfg["lr"], weight_decay=cfg["weightDecay"])
losses = []
for step in range(cfg["steps"]):
    opt.zero_grad()
    logits = forward()
    if cfg["multiLabel"]:
        loss = F.binary_cross_entropy_with_logits(logits[train], targets[train])
    else:
        loss = F.cross_entropy(logits[train], targets[train].argmax(1))
    loss.backward()
    losses.append(loss.item())
    if step == 0:
        for i, t in enumerate(params):
            np.save(os.path.join(d, f"g_{i}.npy"), t.grad.numpy())
    opt.step()
np.save(os.path.join(d, "losses.npy"), np.array(losses))
for i, t in enumerate(params):
    np.save(os.path.join(d, f"final_{i}.npy"), t.detach().numpy())
print(f"reference: torch {torch.__version__}, {n} nodes, train {n_train}, losses {losses}")
