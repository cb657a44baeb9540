#!/usr/bin/env python3
"""NumPy peer of Orrery's CPU metric-graph sampler (src/Orrery.MetricGraphs/Sampling).

The same timestep-splitting Euler-Maruyama scheme (specs/metric-graphs.md), vectorised over particles
the way one writes it in NumPy: every step works on whole arrays of the particles still on the graph;
particles whose step crossed a vertex are gathered and iterated again with their leftover time until
none is left. Same random numbers as Orrery: Philox4x32-10 keyed by the seed, counter
(particle low, particle high, step >> 1, split), one block per pair of steps (z0 and X2 for even
steps, z1 and X3 for odd ones), Box-Muller on X0, X1 in float32. NumPy's float32 log/sin/cos are not
Orrery's portable ones, so paths agree statistically, not bit for bit. Single precision state, like
Orrery. Reads a graph in Orrery's JSON format (the C# benchmark exports it); supports the drift kinds
none, constant and linear.

--boundary bridge (the default, as in Orrery) is Orrery's bridge scheme (src/Orrery.MetricGraphs/Sampling/
SplittingScheme.cs, Step, Touched and TimeLeftAfterTouch), all in float32 in the same order: after a move x -> x'
that stays inside its edge, both ends are bridge-tested, absorbing and junction ends alike, tail first, each only
if x is not on it: d0, d1 = distances of x and x' from the end, var = (sigma sqrt(tau))^2, arg = (2 (d0 d1)) / var,
touched when arg < 23 and -ln(uniform(u)) > arg (the head is not tested when the tail was touched). The uniform
comes from the bridge stream of ParticleRandom: counter (particle low, particle high, step >> 1,
0x80000000 | split), word X0 (even step) or X2 (odd) for the tail, X1 or X3 for the head, drawn only where a
test has arg < 23. A touched end is handled as a crossed one: the time left tau becomes
TimeLeftAfterTouch(tau, d0, d1, arg, normal, uniform) (for a crossing d0 = distance of x from the crossed end,
d1 = the overshoot beyond it), with the normal and uniform of the passage-time stream: counter (particle low,
particle high, step >> 1, 0xC0000000 | split) laid out like a step block (z0 and X2 for even steps, z1 and X3
for odd ones), drawn only for the particles that touched or crossed. The particle is then absorbed at the vertex
(touches and crossings both count as splits) or goes on along an edge chosen with the step block's word, as after
a crossing. --boundary step is the seed's scheme (no bridge tests; the time left after a crossing from the
interpolated path x + s^2 A + s B, tau (1 - s^2)).

    metric_graphs_numpy.py --graph star5.json --start vertex:c --dt 1e-5 --particles 1000000 --steps 40
"""
import argparse
import json
import sys
import time

import numpy as np

M0 = np.uint64(0xD2511F53)
M1 = np.uint64(0xCD9E8D57)
W0 = 0x9E3779B9
W1 = 0xBB67AE85
TWO_M32 = np.float32(2.3283064365386963e-10)
BELOW_ONE = np.float32(0.99999994)
U32 = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)


def philox(c0, c1, c2, c3, seed):
    """Philox4x32-10 on uint32 arrays (c2, c3 may be scalars); returns four uint32 arrays."""
    k0 = seed & 0xFFFFFFFF
    k1 = (seed >> 32) & 0xFFFFFFFF
    n = c0.shape[0]
    c2 = np.broadcast_to(np.asarray(c2, dtype=np.uint32), (n,))
    c3 = np.broadcast_to(np.asarray(c3, dtype=np.uint32), (n,))
    for r in range(10):
        if r > 0:
            k0 = (k0 + W0) & 0xFFFFFFFF
            k1 = (k1 + W1) & 0xFFFFFFFF
        p0 = c0.astype(np.uint64) * M0
        p1 = c2.astype(np.uint64) * M1
        n0 = (p1 >> S32).astype(np.uint32)
        n0 ^= c1
        n0 ^= np.uint32(k0)
        n2 = (p0 >> S32).astype(np.uint32)
        n2 ^= c3
        n2 ^= np.uint32(k1)
        c0, c1, c2, c3 = n0, (p1 & U32).astype(np.uint32), n2, (p0 & U32).astype(np.uint32)
    return c0, c1, c2, c3


def uniform(word):
    u = (word.astype(np.float32) + np.float32(0.5)) * TWO_M32
    return np.minimum(u, BELOW_ONE)


def box_muller(x0, x1):
    r = np.sqrt(np.float32(-2.0) * np.log(uniform(x0)))
    angle = np.float32(2.0 * np.pi) * uniform(x1)
    return r * np.cos(angle), r * np.sin(angle)


class Graph:
    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        vertices = doc["vertices"]
        edges = doc["edges"]
        sigma_default = doc.get("defaults", {}).get("sigma")
        self.vertex_ids = [v["id"] for v in vertices]
        index = {v: i for i, v in enumerate(self.vertex_ids)}
        self.vertex_index = index
        m = len(edges)
        self.length = np.array([e["length"] for e in edges], dtype=np.float32)
        self.sigma = np.array([e.get("sigma", sigma_default) for e in edges], dtype=np.float32)
        self.tail = np.array([index[e["tail"]] for e in edges], dtype=np.int32)
        self.head = np.array([index[e["head"]] for e in edges], dtype=np.int32)
        self.offset = np.zeros(m, dtype=np.float32)
        self.slope = np.zeros(m, dtype=np.float32)
        weight = np.array([e.get("weight", 1.0) for e in edges])
        for i, e in enumerate(edges):
            drift = e.get("drift", {"kind": "none"})
            if drift["kind"] == "constant":
                self.offset[i] = drift["velocity"]
            elif drift["kind"] == "linear":
                self.slope[i] = drift["slope"]
                self.offset[i] = drift.get("offset", 0.0)
            elif drift["kind"] != "none":
                sys.exit(f"drift kind {drift['kind']} is not supported by the NumPy peer")
        n = len(vertices)
        self.absorbing = np.array([v.get("kind") == "absorbing" for v in vertices])
        incident = [[] for _ in range(n)]
        for i in range(m):
            incident[self.tail[i]].append((i, 0))
            incident[self.head[i]].append((i, 1))
        degree = max(len(x) for x in incident)
        # Padded incidence tables: cumulative weight (1 past the end), edge, end (0 tail, 1 head).
        self.cumulative = np.ones((n, degree), dtype=np.float32)
        self.inc_edge = np.zeros((n, degree), dtype=np.int32)
        self.inc_end = np.zeros((n, degree), dtype=np.int32)
        for v, inc in enumerate(incident):
            explicit = vertices[v].get("weights")
            w = np.array([explicit[edges[e]["id"]] if explicit else weight[e] for e, _ in inc], dtype=np.float64)
            c = np.cumsum(w / w.sum())
            last = np.nonzero(w > 0)[0][-1]
            c[last:] = 1.0
            self.cumulative[v, :len(inc)] = c.astype(np.float32)
            for d, (e, end) in enumerate(inc):
                self.inc_edge[v, d] = e
                self.inc_end[v, d] = end


BRIDGE_STREAM = 0x80000000
TOUCH_STREAM = 0xC0000000
BRIDGE_CUTOFF = np.float32(23.0)


def bridge_touches(seed, j, k, lo, hi, x, nxt, noise_scale, length):
    """Orrery's bridge tests (SplittingScheme.Touched) for moves x -> nxt that stayed inside their edge.

    Both ends, tail first, each only if x is not on it. Returns (touched, head, d0, d1, arg): boolean arrays
    (touched, touched end is the head) and, for the touched ones, the float32 distances and argument that the
    passage time needs. The bridge block is drawn only for particles with a test below the cutoff.
    """
    variance = noise_scale * noise_scale
    tail_d0, tail_d1 = x, nxt
    head_d0, head_d1 = length - x, length - nxt
    tail_arg = (np.float32(2) * (tail_d0 * tail_d1)) / variance
    head_arg = (np.float32(2) * (head_d0 * head_d1)) / variance
    tail_maybe = (x > 0) & (tail_arg < BRIDGE_CUTOFF)
    head_maybe = (x < length) & (head_arg < BRIDGE_CUTOFF)
    touched = np.zeros(x.shape[0], dtype=bool)
    head = np.zeros(x.shape[0], dtype=bool)
    maybe = np.nonzero(tail_maybe | head_maybe)[0]
    if maybe.size:
        b0, b1, b2, b3 = philox(lo[maybe], hi[maybe], j >> 1, BRIDGE_STREAM | k, seed)
        tail_word, head_word = (b0, b1) if j % 2 == 0 else (b2, b3)
        with np.errstate(divide="ignore"):
            tail_hit = tail_maybe[maybe] & (-np.log(uniform(tail_word)) > tail_arg[maybe])
            head_hit = ~tail_hit & head_maybe[maybe] & (-np.log(uniform(head_word)) > head_arg[maybe])
        touched[maybe] = tail_hit | head_hit
        head[maybe] = head_hit
    d0 = np.where(head, head_d0, tail_d0)
    d1 = np.where(head, head_d1, tail_d1)
    arg = np.where(head, head_arg, tail_arg)
    return touched, head, d0, d1, arg


def time_left_after_touch(tau, d0, d1, arg, normal, u):
    """SplittingScheme.TimeLeftAfterTouch on float32 arrays, in the same order of operations."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (normal * normal) / arg
        q = (np.float32(1) + r) + np.sqrt(r * (r + np.float32(2)))
        ratio = np.where(u * (q + np.float32(1)) <= q, d0 / q, d0 * q)
        left = tau * (d1 / (d1 + ratio))
    return np.where(arg > 0, left, np.where(d0 <= d1, tau, np.float32(0))).astype(np.float32)


def run(graph, seed, dt, particles, steps, start, max_splits=100, sample_every=100, bins=32, boundary="bridge"):
    dt = np.float32(dt)
    sqrt_dt = np.sqrt(dt)
    pid = np.arange(particles, dtype=np.uint64)
    # Initial placement (not timed); the same counter as Orrery's (pid, 0xFFFFFFFF, 0xFFFFFFFF).
    b0, b1, b2, _ = philox((pid & U32).astype(np.uint32), (pid >> S32).astype(np.uint32), 0xFFFFFFFF, 0xFFFFFFFF, seed)
    if start.startswith("vertex:"):
        v = graph.vertex_index[start[7:]]
        d = np.argmax(uniform(b2)[:, None] < graph.cumulative[v][None, :], axis=1)
        edge = graph.inc_edge[v][d]
        x = np.where(graph.inc_end[v][d] == 0, np.float32(0), graph.length[edge]).astype(np.float32)
    else:
        cum = np.cumsum(graph.length.astype(np.float64))
        cum /= cum[-1]
        edge = np.searchsorted(cum, uniform(b0).astype(np.float64), side="right").astype(np.int32)
        x = (uniform(b1) * graph.length[edge]).astype(np.float32)
    lo = (pid & U32).astype(np.uint32)
    hi = (pid >> S32).astype(np.uint32)
    occupation = np.zeros(len(graph.length) * bins, dtype=np.int64)
    bin_scale = (np.float32(bins) / graph.length).astype(np.float32)
    exits = np.zeros(len(graph.vertex_ids), dtype=np.int64)
    particle_steps = 0
    splits_total = 0
    truncated = 0
    z_odd = w_odd = None
    bridge = boundary == "bridge"
    clock = time.perf_counter()
    for j in range(steps):
        n = lo.shape[0]
        if n == 0:
            break
        particle_steps += n
        if j % 2 == 0:
            x0, x1, x2, x3 = philox(lo, hi, j >> 1, 0, seed)
            z_even, z_odd = box_muller(x0, x1)
            w_even, w_odd = x2, x3
            w, word = z_even, w_even
        else:
            w, word = z_odd, w_odd
        # Iterate the particles that still have time in this step: idx indexes the alive arrays.
        idx = np.arange(n)
        tau = np.full(n, dt, dtype=np.float32)
        sqrt_tau = np.full(n, sqrt_dt, dtype=np.float32)
        alive = np.ones(n, dtype=bool)
        k = 0
        while idx.size:
            e = edge[idx]
            xi = x[idx]
            length = graph.length[e]
            wv = w[idx]
            wi = np.where(xi == 0, np.abs(wv), np.where(xi == length, -np.abs(wv), wv))
            a = graph.offset[e] + graph.slope[e] * xi
            t = tau[idx]
            drift_part = t * a
            noise_scale = graph.sigma[e] * sqrt_tau[idx]
            noise_part = noise_scale * wi
            nxt = (xi + drift_part) + noise_part
            inside = (nxt > 0) & (nxt < length)
            if bridge:
                ins = np.nonzero(inside)[0]
                touched, t_head, t_d0, t_d1, t_arg = bridge_touches(seed, j, k, lo[idx[ins]], hi[idx[ins]], xi[ins], nxt[ins], noise_scale[ins], length[ins])
                moved = ins[~touched]
                x[idx[moved]] = nxt[moved]
                reach = ~inside
                reach[ins[touched]] = True
                if not reach.any():
                    break
                # Per particle that touched or crossed an end: which end, d0, d1 and arg of its passage time.
                head = nxt >= length
                head[ins[touched]] = t_head[touched]
                d0 = np.where(head, length - xi, xi)
                d1 = np.where(head, nxt - length, -nxt)
                arg = np.empty(nxt.shape[0], dtype=np.float32)
                d0[ins[touched]] = t_d0[touched]
                d1[ins[touched]] = t_d1[touched]
                arg[ins[touched]] = t_arg[touched]
                c = idx[reach]
                e, length, head, d0, d1, t = e[reach], length[reach], head[reach], d0[reach], d1[reach], tau[c]
                crossed = ~inside[reach]
                arg_r = arg[reach]
                arg_r[crossed] = (np.float32(2) * (d0[crossed] * d1[crossed])) / (noise_scale[reach][crossed] * noise_scale[reach][crossed])
                p0, p1, p2, p3 = philox(lo[c], hi[c], j >> 1, TOUCH_STREAM | k, seed)
                za, zb = box_muller(p0, p1)
                normal, u_touch = (za, uniform(p2)) if j % 2 == 0 else (zb, uniform(p3))
                t = time_left_after_touch(t, d0, d1, arg_r, normal, u_touch)
            else:
                x[idx[inside]] = nxt[inside]
                cross = ~inside
                if not cross.any():
                    break
                c = idx[cross]
                e, xi, length, nxt = e[cross], xi[cross], length[cross], nxt[cross]
                drift_part, noise_part, t = drift_part[cross], noise_part[cross], t[cross]
                head = nxt >= length
                dist = np.where(head, length - xi, xi)
                a_out = np.where(head, drift_part, -drift_part)
                b_out = np.where(head, noise_part, -noise_part)
                disc = np.maximum(b_out * b_out + np.float32(4) * a_out * dist, np.float32(0))
                root = np.sqrt(disc)
                with np.errstate(divide="ignore", invalid="ignore"):
                    s = np.where(b_out > 0, (np.float32(2) * dist) / (b_out + root), (root - b_out) / (np.float32(2) * a_out))
                s = np.where(s < 1, s, np.float32(1)).astype(np.float32)
                t = t * (np.float32(1) - s * s)
            tau[c] = t
            splits_total += c.size
            vertex = np.where(head, graph.head[e], graph.tail[e])
            gone = graph.absorbing[vertex]
            if gone.any():
                np.add.at(exits, vertex[gone], 1)
                alive[c[gone]] = False
                x[c[gone]] = np.where(head[gone], length[gone], np.float32(0))
            stay = ~gone
            c, vertex, t = c[stay], vertex[stay], t[stay]
            u = uniform(word[c])
            d = np.argmax(u[:, None] < graph.cumulative[vertex], axis=1)
            new_edge = graph.inc_edge[vertex, d]
            edge[c] = new_edge
            x[c] = np.where(graph.inc_end[vertex, d] == 0, np.float32(0), graph.length[new_edge])
            k += 1
            more = t > 0
            if k == max_splits:
                truncated += int(more.sum())
                break
            idx = c[more]
            if idx.size:
                y0, y1, y2, y3 = philox(lo[idx], hi[idx], j >> 1, k, seed)
                za, zb = box_muller(y0, y1)
                w = np.empty(n, dtype=np.float32)
                word = np.empty(n, dtype=np.uint32)
                w[idx] = za if j % 2 == 0 else zb
                word[idx] = y2 if j % 2 == 0 else y3
                sqrt_tau[idx] = np.sqrt(tau[idx])
        if (j + 1) % sample_every == 0:
            ok = alive
            b = np.minimum((x[ok] * bin_scale[edge[ok]]).astype(np.int32), bins - 1)
            occupation += np.bincount(edge[ok] * bins + b, minlength=occupation.size)
        if not alive.all():
            lo, hi, edge, x = lo[alive], hi[alive], edge[alive], x[alive]
            if z_odd is not None and j % 2 == 0:
                z_odd, w_odd = z_odd[alive], w_odd[alive]
    seconds = time.perf_counter() - clock
    return dict(particle_steps=particle_steps, seconds=seconds, splits=splits_total, truncated=truncated,
                exited=int(exits.sum()), occupation=occupation, bins=bins)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graph", required=True)
    p.add_argument("--scenario", default="graph")
    p.add_argument("--start", default="uniform", help="vertex:ID or uniform (by length)")
    p.add_argument("--dt", type=float, required=True)
    p.add_argument("--particles", type=int, default=1_000_000)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--boundary", choices=["bridge", "step"], default="bridge")
    a = p.parse_args()
    graph = Graph(a.graph)
    r = run(graph, a.seed, a.dt, a.particles, a.steps, a.start, boundary=a.boundary)
    occ = r["occupation"]
    e0 = occ[: r["bins"]].sum() / max(occ.sum(), 1)
    print(f"RESULT impl=numpy scenario={a.scenario} boundary={a.boundary} particles={a.particles} steps={a.steps} particle_steps={r['particle_steps']} "
          f"seconds={r['seconds']:.3f} rate={r['particle_steps'] / r['seconds']:.4e} splits_per_step={r['splits'] / r['particle_steps']:.3e} "
          f"truncated={r['truncated']} exited={r['exited']} occupation_e0={e0:.4f} numpy={np.__version__}")


if __name__ == "__main__":
    main()
