#!/usr/bin/env python3
"""PyTorch peer of Orrery's CUDA metric-graph sampler (kernels/metric_graph.cu).

The same timestep-splitting Euler-Maruyama scheme (specs/metric-graphs.md) vectorised over particles as
one writes it in PyTorch, on the GPU when there is one: every step works on whole tensors of the
particles still on the graph; particles whose step crossed a vertex are gathered and iterated again with
their leftover time until none is left (a host sync per split iteration, as PyTorch code does). Same
random numbers as Orrery: Philox4x32-10 keyed by the seed, counter (particle low, particle high,
step >> 1, split), one block per pair of steps (z0 and X2 for even steps, z1 and X3 for odd ones),
Box-Muller on X0, X1 in float32. Philox runs in int64 tensors with the 32x32-bit products split into
16-bit halves (torch has no unsigned 32-bit multiply-high), so its words are exact; torch's float32
log/sin/cos are not Orrery's portable ones, so paths agree statistically, not bit for bit. Single
precision state, like Orrery. Reads a graph in Orrery's JSON format (the C# benchmark exports it);
supports the drift kinds none, constant and linear (the benchmark's graphs use only these).

    metric_graph_torch.py --graph star5.json --start vertex:c --dt 1e-5 --particles 100000000 --steps 100
    metric_graph_torch.py --self-test      # Philox known answers; needs no torch

Prints one line: RESULT impl=torch-<device> scenario=... particle_steps=... seconds=... rate=...
"""
import argparse
import json
import math
import sys
import time

MASK32 = 0xFFFFFFFF
M0 = 0xD2511F53
M1 = 0xCD9E8D57
W0 = 0x9E3779B9
W1 = 0xBB67AE85
TWO_M32 = 2.3283064365386963e-10
BELOW_ONE = 0.99999994

# Random123's known answers for Philox4x32-10: (counter x4, key x2) -> four words.
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((MASK32,) * 4, (MASK32,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0), (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def mul_hi_lo(a, m):
    """(high, low) 32-bit words of a * m for 32-bit a (int64 tensor or int) and constant m, without
    overflowing int64: a * (m_hi 2^16 + m_lo), each partial product below 2^48."""
    p_lo = a * (m & 0xFFFF)
    p_hi = a * (m >> 16)
    t = p_lo + ((p_hi & 0xFFFF) << 16)
    return (p_hi >> 16) + (t >> 32), t & MASK32


def philox(c0, c1, c2, c3, key0, key1):
    """Philox4x32-10 on int64 tensors (or Python ints) holding 32-bit words; returns four of the same."""
    for r in range(10):
        if r > 0:
            key0 = (key0 + W0) & MASK32
            key1 = (key1 + W1) & MASK32
        hi0, lo0 = mul_hi_lo(c0, M0)
        hi1, lo1 = mul_hi_lo(c2, M1)
        c0, c1, c2, c3 = hi1 ^ c1 ^ key0, lo1, hi0 ^ c3 ^ key1, lo0
    return c0, c1, c2, c3


def self_test():
    for counter, key, expected in KNOWN_ANSWERS:
        got = philox(*counter, *key)
        if tuple(got) != expected:
            sys.exit(f"self-test FAILED: philox{counter}, key {key} gave {[hex(w) for w in got]}, expected {[hex(w) for w in expected]}")
    print(f"self-test passed: {len(KNOWN_ANSWERS)} Philox4x32-10 known answers (the int64 split multiply is exact)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graph")
    p.add_argument("--scenario", default="graph")
    p.add_argument("--start", default="uniform", help="vertex:ID or uniform (by length)")
    p.add_argument("--dt", type=float)
    p.add_argument("--particles", type=int, default=1_000_000)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--device", default="auto", help="auto (cuda if available), cuda, cpu")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        self_test()
        return
    if a.graph is None or a.dt is None:
        p.error("--graph and --dt are required")

    import torch  # only the run needs torch; --self-test does not

    device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device))
    graph = Graph(a.graph, torch, device)
    r = run(torch, device, graph, a.seed, a.dt, a.particles, a.steps, a.start)
    occ = r["occupation"]
    e0 = occ[: r["bins"]].sum().item() / max(occ.sum().item(), 1)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"RESULT impl=torch-{device.type} scenario={a.scenario} particles={a.particles} steps={a.steps} particle_steps={r['particle_steps']} "
          f"seconds={r['seconds']:.3f} rate={r['particle_steps'] / r['seconds']:.4e} splits_per_step={r['splits'] / max(r['particle_steps'], 1):.3e} "
          f"truncated={r['truncated']} exited={r['exited']} occupation_e0={e0:.4f} torch={torch.__version__} device=\"{name}\"")


class Graph:
    """The graph's tables as tensors on the device (as the NumPy peer builds them)."""

    def __init__(self, path, torch, device):
        with open(path) as f:
            doc = json.load(f)
        vertices = doc["vertices"]
        edges = doc["edges"]
        sigma_default = doc.get("defaults", {}).get("sigma")
        self.vertex_ids = [v["id"] for v in vertices]
        index = {v: i for i, v in enumerate(self.vertex_ids)}
        self.vertex_index = index
        m = len(edges)
        offset = [0.0] * m
        slope = [0.0] * m
        for i, e in enumerate(edges):
            drift = e.get("drift", {"kind": "none"})
            if drift["kind"] == "constant":
                offset[i] = drift["velocity"]
            elif drift["kind"] == "linear":
                slope[i] = drift["slope"]
                offset[i] = drift.get("offset", 0.0)
            elif drift["kind"] != "none":
                sys.exit(f"drift kind {drift['kind']} is not supported by the PyTorch peer")
        f32 = dict(dtype=torch.float32, device=device)
        i64 = dict(dtype=torch.int64, device=device)
        self.lengths_host = [float(e["length"]) for e in edges]
        self.length = torch.tensor(self.lengths_host, **f32)
        self.sigma = torch.tensor([e.get("sigma", sigma_default) for e in edges], **f32)
        self.offset = torch.tensor(offset, **f32)
        self.slope = torch.tensor(slope, **f32)
        self.tail = torch.tensor([index[e["tail"]] for e in edges], **i64)
        self.head = torch.tensor([index[e["head"]] for e in edges], **i64)
        n = len(vertices)
        self.absorbing = torch.tensor([v.get("kind") == "absorbing" for v in vertices], dtype=torch.bool, device=device)
        weight = [e.get("weight", 1.0) for e in edges]
        incident = [[] for _ in range(n)]
        for i, e in enumerate(edges):
            incident[index[e["tail"]]].append((i, 0))
            incident[index[e["head"]]].append((i, 1))
        degree = max(len(x) for x in incident)
        # Padded incidence tables: cumulative weight (1 past the end), edge, end (0 tail, 1 head).
        cumulative = [[1.0] * degree for _ in range(n)]
        inc_edge = [[0] * degree for _ in range(n)]
        inc_end = [[0] * degree for _ in range(n)]
        for v, inc in enumerate(incident):
            explicit = vertices[v].get("weights")
            w = [explicit[edges[e]["id"]] if explicit else weight[e] for e, _ in inc]
            total = sum(w)
            running = 0.0
            last = max(d for d in range(len(w)) if w[d] > 0)
            for d, (e, end) in enumerate(inc):
                running += w[d] / total
                cumulative[v][d] = 1.0 if d >= last else running
                inc_edge[v][d] = e
                inc_end[v][d] = end
        self.cumulative = torch.tensor(cumulative, **f32)
        self.inc_edge = torch.tensor(inc_edge, **i64)
        self.inc_end = torch.tensor(inc_end, **i64)


def run(torch, device, graph, seed, dt, particles, steps, start, max_splits=100, sample_every=100, bins=32):
    key0, key1 = seed & MASK32, (seed >> 32) & MASK32
    f32 = torch.float32

    def uniform(word):
        u = (word.to(f32) + 0.5) * TWO_M32
        return torch.clamp(u, max=BELOW_ONE)

    def box_muller(x0, x1):
        r = torch.sqrt(-2.0 * torch.log(uniform(x0)))
        angle = (2.0 * math.pi) * uniform(x1)
        return r * torch.cos(angle), r * torch.sin(angle)

    def full(like, value):
        return torch.full_like(like, value)

    dt32 = torch.tensor(dt, dtype=f32, device=device)
    sqrt_dt = torch.sqrt(dt32)
    pid = torch.arange(particles, dtype=torch.int64, device=device)
    lo = pid & MASK32
    hi = pid >> 32
    # Initial placement (not timed); the counter (pid, 0xFFFFFFFF, 0xFFFFFFFF) as Orrery's.
    b0, b1, b2, _ = philox(lo, hi, full(lo, MASK32), full(lo, MASK32), key0, key1)
    if start.startswith("vertex:"):
        v = graph.vertex_index[start[7:]]
        d = torch.argmax((uniform(b2)[:, None] < graph.cumulative[v][None, :]).to(torch.int8), dim=1)
        edge = graph.inc_edge[v][d]
        x = torch.where(graph.inc_end[v][d] == 0, torch.zeros((), dtype=f32, device=device), graph.length[edge])
    else:
        cum = torch.cumsum(torch.tensor(graph.lengths_host, dtype=torch.float64, device=device), 0)
        cum = cum / cum[-1]
        edge = torch.searchsorted(cum, uniform(b0).to(torch.float64), right=True).clamp(max=len(graph.lengths_host) - 1)
        x = uniform(b1) * graph.length[edge]
    occupation = torch.zeros(graph.length.shape[0] * bins, dtype=torch.int64, device=device)
    bin_scale = bins / graph.length
    exits = torch.zeros(len(graph.vertex_ids), dtype=torch.int64, device=device)
    particle_steps = 0
    splits_total = torch.zeros((), dtype=torch.int64, device=device)
    truncated = torch.zeros((), dtype=torch.int64, device=device)
    z_odd = w_odd = None
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    clock = time.perf_counter()
    for j in range(steps):
        n = lo.shape[0]
        if n == 0:
            break
        particle_steps += n
        if j % 2 == 0:
            x0, x1, x2, x3 = philox(lo, hi, full(lo, j >> 1), torch.zeros_like(lo), key0, key1)
            z_even, z_odd = box_muller(x0, x1)
            w_even, w_odd = x2, x3
            w, word = z_even, w_even
        else:
            w, word = z_odd, w_odd
        # Iterate the particles that still have time in this step: idx indexes the alive tensors.
        idx = torch.arange(n, device=device)
        tau = torch.full((n,), dt, dtype=f32, device=device)
        sqrt_tau = torch.full((n,), sqrt_dt.item(), dtype=f32, device=device)
        alive = torch.ones(n, dtype=torch.bool, device=device)
        k = 0
        while idx.numel():
            e = edge[idx]
            xi = x[idx]
            length = graph.length[e]
            wv = w[idx]
            wi = torch.where(xi == 0, wv.abs(), torch.where(xi == length, -wv.abs(), wv))
            a = graph.offset[e] + graph.slope[e] * xi
            t = tau[idx]
            drift_part = t * a
            noise_part = (graph.sigma[e] * sqrt_tau[idx]) * wi
            nxt = (xi + drift_part) + noise_part
            inside = (nxt > 0) & (nxt < length)
            x[idx[inside]] = nxt[inside]
            cross = ~inside
            c = idx[cross]
            if c.numel() == 0:
                break
            e, xi, length, nxt = e[cross], xi[cross], length[cross], nxt[cross]
            drift_part, noise_part, t = drift_part[cross], noise_part[cross], t[cross]
            head = nxt >= length
            dist = torch.where(head, length - xi, xi)
            a_out = torch.where(head, drift_part, -drift_part)
            b_out = torch.where(head, noise_part, -noise_part)
            disc = torch.clamp(b_out * b_out + 4.0 * a_out * dist, min=0.0)
            root = torch.sqrt(disc)
            s = torch.where(b_out > 0, (2.0 * dist) / (b_out + root), (root - b_out) / (2.0 * a_out))
            s = torch.where(s < 1, s, torch.ones_like(s))  # also maps NaN (0/0) to 1
            t = t * (1.0 - s * s)
            tau[c] = t
            splits_total += c.numel()
            vertex = torch.where(head, graph.head[e], graph.tail[e])
            gone = graph.absorbing[vertex]
            exits.index_add_(0, vertex[gone], torch.ones_like(vertex[gone]))
            alive[c[gone]] = False
            x[c[gone]] = torch.where(head[gone], length[gone], torch.zeros_like(length[gone]))
            stay = ~gone
            c, vertex, t = c[stay], vertex[stay], t[stay]
            u = uniform(word[c])
            d = torch.argmax((u[:, None] < graph.cumulative[vertex]).to(torch.int8), dim=1)
            new_edge = graph.inc_edge[vertex, d]
            edge[c] = new_edge
            x[c] = torch.where(graph.inc_end[vertex, d] == 0, torch.zeros_like(t), graph.length[new_edge])
            k += 1
            more = t > 0
            if k == max_splits:
                truncated += more.sum()
                break
            idx = c[more]
            if idx.numel():
                y0, y1, y2, y3 = philox(lo[idx], hi[idx], full(idx, j >> 1), full(idx, k), key0, key1)
                za, zb = box_muller(y0, y1)
                w = torch.empty(n, dtype=f32, device=device)
                word = torch.empty(n, dtype=torch.int64, device=device)
                w[idx] = za if j % 2 == 0 else zb
                word[idx] = y2 if j % 2 == 0 else y3
                sqrt_tau[idx] = torch.sqrt(tau[idx])
        if (j + 1) % sample_every == 0:
            ok = alive
            b = torch.clamp((x[ok] * bin_scale[edge[ok]]).to(torch.int64), max=bins - 1)
            occupation += torch.bincount(edge[ok] * bins + b, minlength=occupation.numel())
        if not bool(alive.all()):
            lo, hi, edge, x = lo[alive], hi[alive], edge[alive], x[alive]
            if z_odd is not None and j % 2 == 0:
                z_odd, w_odd = z_odd[alive], w_odd[alive]
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - clock
    return dict(particle_steps=particle_steps, seconds=seconds, splits=int(splits_total.item()), truncated=int(truncated.item()),
                exited=int(exits.sum().item()), occupation=occupation, bins=bins)


if __name__ == "__main__":
    main()
