#!/usr/bin/env python3
"""Write tests/data/selection_refs/*.json: what selections with activity, wiring and distance
terms select, computed by brute force with numpy and h5py straight from the files (no
cortexview code), for tests/selection_activity_wiring.rs to compare with exactly.

- activity: numpy over the spikes file (counts of spikes with t0 <= t <= t1 per node; rate =
  count / (duration_ms / 1000), the duration from the config's run section, tstop - tstart, or
  the span of the file's spikes, last - first, when the circuit is opened without a
  simulation config);
- wiring: h5py over the edge files (source_node_id / target_node_id and their
  node_population attributes), every edge looked at, np.isin;
- distance: all pairwise squared distances with numpy ((a - b) ** 2 summed over x, y, z),
  compared with R ** 2; probe sites from the published Neuropixels 1.0 geometry (960 sites
  in 480 rows 20 µm apart, columns at 27/59 µm from the left edge on even rows and 11/43 µm on
  odd rows, shank 70 µm wide, tip 209 µm below the bottom row; channels 0..383 record the
  bottom 384 sites), placed with the frame cortexview documents for a probe (`up` against the
  insertion direction, `across` = normalise(normalise(up x ref) x up), ref = +z unless the
  shank is within ~25 degrees of z, then +x; roll 0).

Run in the peers venv from the repository root:

    $PEERS_DIR/venv/bin/python scripts/selection_references/make_selection_refs.py \
        [--fixtures ../shared/fixtures]
"""
import argparse
import json
import os

import h5py
import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "data", "selection_refs")


# ---------------------------------------------------------------- files


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read_nodes(path):
    """{population: {"ids": node ids, "pos": (n, 3) float64 or None}}"""
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["nodes"].items():
            n = g["node_type_id"].shape[0]
            ids = g["node_id"][:].astype(np.int64) if "node_id" in g else np.arange(n)
            groups = g["node_group_id"][:]
            index = g["node_group_index"][:]
            assert (groups == 0).all() and (index == np.arange(n)).all(), "one group, in order"
            g0 = g["0"]
            pos = None
            if all(k in g0 for k in "xyz"):
                pos = np.stack([g0[k][:].astype(np.float64) for k in "xyz"], axis=1)
            out[name] = {"ids": ids, "pos": pos}
    return out


def read_edges(path):
    out = []
    with h5py.File(path, "r") as f:
        for name, g in f["edges"].items():
            out.append({
                "name": name,
                "source": g["source_node_id"].attrs["node_population"],
                "target": g["target_node_id"].attrs["node_population"],
                "src": g["source_node_id"][:].astype(np.int64),
                "trg": g["target_node_id"][:].astype(np.int64),
            })
    return out


def read_spikes(path):
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["spikes"].items():
            out[name] = (g["node_ids"][:].astype(np.int64), g["timestamps"][:].astype(np.float64))
    return out


# ---------------------------------------------------------------- probe


def np1_channel_sites(tip, direction):
    tip = np.asarray(tip, dtype=np.float64)
    down = np.asarray(direction, dtype=np.float64)
    down = down / np.sqrt((down ** 2).sum())
    up = -down
    ref = np.array([0.0, 0.0, 1.0]) if abs(up[2]) < 0.9 else np.array([1.0, 0.0, 0.0])

    def norm(v):
        return v / np.sqrt((v ** 2).sum())

    normal0 = norm(np.cross(up, ref))
    across = norm(np.cross(normal0, up))
    sites = []
    for row in range(480):
        for col in range(2):
            first = 11.0 if row % 2 == 1 else 27.0
            x = first + 32.0 * col
            y = 20.0 * row
            along = 209.0 + y
            side = x - 70.0 / 2.0
            sites.append(tip + up * along + across * side)
    return np.array(sites[:384])


# ---------------------------------------------------------------- brute force


class Net:
    def __init__(self, nodes, edges, spikes, duration_ms):
        self.nodes = nodes
        self.edges = edges
        self.spikes = spikes
        self.duration_ms = duration_ms
        self.probe = None

    def masks(self, fill):
        return {p: np.full(len(v["ids"]), fill) for p, v in self.nodes.items()}

    def by_id(self, pop, ids):
        """Rows of node ids (ids the population lacks are dropped)."""
        node_ids = self.nodes[pop]["ids"]
        order = np.argsort(node_ids)
        k = np.searchsorted(node_ids[order], ids)
        k = np.clip(k, 0, len(node_ids) - 1)
        ok = node_ids[order][k] == ids
        return order[k[ok]]

    # attribute terms used in the cases
    def population(self, name):
        return {p: np.full(len(v["ids"]), p == name) for p, v in self.nodes.items()}

    def node_id(self, *ids):
        return {p: np.isin(v["ids"], ids) for p, v in self.nodes.items()}

    # activity
    def counts(self, window=None):
        out = {p: np.zeros(len(v["ids"]), dtype=np.int64) for p, v in self.nodes.items()}
        for pop, (ids, ts) in self.spikes.items():
            if pop not in out:
                continue
            keep = np.ones(len(ts), bool) if window is None else (ts >= window[0]) & (ts <= window[1])
            rows = self.by_id(pop, ids[keep])
            out[pop] += np.bincount(rows, minlength=len(out[pop]))
        return out

    def rate(self, window=None):
        dur = self.duration_ms if window is None else window[1] - window[0]
        return {p: c / (dur / 1000.0) for p, c in self.counts(window).items()}

    def spiked(self, window=None):
        return {p: c > 0 for p, c in self.counts(window).items()}

    def silent(self):
        return {p: c == 0 for p, c in self.counts().items()}

    # wiring
    def partners(self, side, inner, via=None):
        out = self.masks(False)
        for e in self.edges:
            if via is not None and e["name"] != via:
                continue
            if side == "pre":
                frm, to, key, other = e["target"], e["source"], e["trg"], e["src"]
            else:
                frm, to, key, other = e["source"], e["target"], e["src"], e["trg"]
            if frm not in self.nodes or to not in self.nodes:
                continue
            selected = self.nodes[frm]["ids"][inner[frm]]
            hit = other[np.isin(key, selected)]
            out[to][self.by_id(to, np.unique(hit))] = True
        return out

    def pre(self, inner, via=None):
        return self.partners("pre", inner, via)

    def post(self, inner, via=None):
        return self.partners("post", inner, via)

    # distance
    def within_points(self, points, r):
        out = self.masks(False)
        points = points[np.isfinite(points).all(axis=1)]
        if len(points) == 0:
            return out
        for p, v in self.nodes.items():
            if v["pos"] is None:
                continue
            d2 = ((v["pos"][:, None, :] - points[None, :, :]) ** 2).sum(-1).min(axis=1)
            out[p] = d2 <= r * r
        return out

    def within(self, r, inner):
        pts = [v["pos"][inner[p]] for p, v in self.nodes.items() if v["pos"] is not None]
        return self.within_points(np.concatenate(pts) if pts else np.zeros((0, 3)), r)

    def within_probe(self, r):
        return self.within_points(self.probe, r)


def AND(*ms):
    return {p: np.logical_and.reduce([m[p] for m in ms]) for p in ms[0]}


def OR(*ms):
    return {p: np.logical_or.reduce([m[p] for m in ms]) for p in ms[0]}


def NOT(m):
    return {p: ~v for p, v in m.items()}


def cmp(values, op, x):
    return {p: op(v, x) for p, v in values.items()}


# ---------------------------------------------------------------- cases


def gt(a, b):
    return a > b


def ge(a, b):
    return a >= b


def lt(a, b):
    return a < b


def eq(a, b):
    return a == b


def v1_cases(n):
    return {
        "rate > 10": lambda: cmp(n.rate(), gt, 10),
        "rate >= 5 && rate < 12": lambda: AND(cmp(n.rate(), ge, 5), cmp(n.rate(), lt, 12)),
        "rate(100, 400) > 10": lambda: cmp(n.rate((100, 400)), gt, 10),
        "rate(0, 250) == 0 && population == v1": lambda: AND(cmp(n.rate((0, 250)), eq, 0), n.population("v1")),
        "spiked(100, 150)": lambda: n.spiked((100, 150)),
        "spiked": lambda: n.spiked(),
        "silent": lambda: n.silent(),
        "!silent || node_id 1 2 3": lambda: OR(NOT(n.silent()), n.node_id(1, 2, 3)),
        "pre of (node_id 12)": lambda: n.pre(n.node_id(12)),
        "post of (node_id 12)": lambda: n.post(n.node_id(12)),
        "pre of (node_id 12) via v1_to_v1": lambda: n.pre(n.node_id(12), via="v1_to_v1"),
        "pre of (node_id 12) via lgn_to_v1": lambda: n.pre(n.node_id(12), via="lgn_to_v1"),
        "post of (population == lgn && node_id 3)": lambda: n.post(AND(n.population("lgn"), n.node_id(3))),
        "pre of (rate > 40)": lambda: n.pre(cmp(n.rate(), gt, 40)),
        "post of (spiked(500, 510)) && silent": lambda: AND(n.post(n.spiked((500, 510))), n.silent()),
        "pre of (pre of (node_id 5) via v1_to_v1) via v1_to_v1": lambda: n.pre(n.pre(n.node_id(5), via="v1_to_v1"), via="v1_to_v1"),
        "within 30 of (node_id 12)": lambda: n.within(30, n.node_id(12)),
        "within 20 of (rate > 12)": lambda: n.within(20, cmp(n.rate(), gt, 12)),
        "within 40 of probe": lambda: n.within_probe(40),
        "rate > 8 && within 60 of probe": lambda: AND(cmp(n.rate(), gt, 8), n.within_probe(60)),
        "within 25 of probe || post of (node_id 7) && !spiked(0, 500)": lambda: OR(
            n.within_probe(25), AND(n.post(n.node_id(7)), NOT(n.spiked((0, 500))))
        ),
    }


def internal_cases(n):
    return {
        "rate > 60": lambda: cmp(n.rate(), gt, 60),
        "rate <= 20": lambda: cmp(n.rate(), lambda a, b: a <= b, 20),
        "rate(500, 1000) > 50": lambda: cmp(n.rate((500, 1000)), gt, 50),
        "spiked(100, 102)": lambda: n.spiked((100, 102)),
        "silent": lambda: n.silent(),
        "pre of (node_id 40)": lambda: n.pre(n.node_id(40)),
        "post of (node_id 40) via internal_to_internal": lambda: n.post(n.node_id(40), via="internal_to_internal"),
        "pre of (rate > 70) via external_to_internal": lambda: n.pre(cmp(n.rate(), gt, 70), via="external_to_internal"),
        "post of (population == external && node_id 0 1 2)": lambda: n.post(AND(n.population("external"), n.node_id(0, 1, 2))),
        "within 15 of (node_id 100)": lambda: n.within(15, n.node_id(100)),
        "within 30 of probe": lambda: n.within_probe(30),
        "rate > 40 && within 40 of probe": lambda: AND(cmp(n.rate(), gt, 40), n.within_probe(40)),
    }


NETWORKS = [
    {
        "name": "v1_iaf_n1000",
        "root": "repo",
        "circuit": "tests/data/nets/engine_ref_v1_iaf_n1000/config.json",
        "nodes": ["network/v1_nodes.h5", "network/lgn_nodes.h5"],
        "edges": ["network/v1_v1_edges.h5", "network/lgn_v1_edges.h5"],
        "spikes": "tests/data/nest_refs/v1_iaf_n1000.h5",
        "duration": "config",
        "probe": {"kind": "np1", "tip": [0.0, -900.0, 0.0], "direction": [0.2, -1.0, 0.1]},
        "cases": v1_cases,
    },
    {
        "name": "300_pointneurons",
        "root": "fixtures",
        "circuit": "sonata-examples/300_pointneurons/config.json",
        "nodes": ["network/internal_nodes.h5", "network/external_nodes.h5"],
        "edges": ["network/internal_internal_edges.h5", "network/external_internal_edges.h5"],
        "spikes": "tests/data/nest_refs/300_pointneurons.h5",
        "duration": "simulation_config.json",
        "probe": {"kind": "np1", "tip": [5.0, -300.0, -5.0], "direction": [0.0, -1.0, 0.0]},
        "cases": internal_cases,
    },
    {
        # the circuit alone: no run section, so `rate` divides by the spikes' span
        "name": "300_pointneurons_no_run",
        "root": "fixtures",
        "circuit": "sonata-examples/300_pointneurons/circuit_config.json",
        "nodes": ["network/internal_nodes.h5", "network/external_nodes.h5"],
        "edges": ["network/internal_internal_edges.h5", "network/external_internal_edges.h5"],
        "spikes": "tests/data/nest_refs/300_pointneurons.h5",
        "duration": "span",
        "probe": {"kind": "np1", "tip": [5.0, -300.0, -5.0], "direction": [0.0, -1.0, 0.0]},
        "cases": lambda n: {k: v for k, v in internal_cases(n).items() if k.startswith("rate >") or k == "silent"},
    },
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(REPO, "..", "shared", "fixtures"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for spec in NETWORKS:
        root = REPO if spec["root"] == "repo" else os.path.abspath(args.fixtures)
        circuit = os.path.join(root, spec["circuit"])
        base = os.path.dirname(circuit)
        nodes = {}
        for f in spec["nodes"]:
            nodes.update(read_nodes(os.path.join(base, f)))
        edges = [e for f in spec["edges"] for e in read_edges(os.path.join(base, f))]
        spikes = read_spikes(os.path.join(REPO, spec["spikes"]))
        if spec["duration"] == "span":
            ts = np.concatenate([t for _, t in spikes.values()])
            duration = float(ts.max() - ts.min())
        else:
            cfg = circuit if spec["duration"] == "config" else os.path.join(base, spec["duration"])
            run = load_json(cfg)["run"]
            duration = float(run["tstop"]) - float(run.get("tstart", 0.0))
        net = Net(nodes, edges, spikes, duration)
        probe = spec["probe"]
        net.probe = np1_channel_sites(probe["tip"], probe["direction"])
        cases = []
        for expr, fn in spec["cases"](net).items():
            masks = fn()
            expected = {p: sorted(int(i) for i in nodes[p]["ids"][m]) for p, m in masks.items()}
            sizes = {p: f"{len(v)}/{len(nodes[p]['ids'])}" for p, v in expected.items()}
            print(f"{spec['name']}: {expr!r}: {sizes}")
            cases.append({"select": expr, "expected": expected})
        out = {
            "made_by": "scripts/selection_references/make_selection_refs.py (numpy, h5py)",
            "network": spec["name"],
            "root": spec["root"],
            "circuit": spec["circuit"],
            "spikes": spec["spikes"],
            "duration_ms": duration,
            "probe": probe,
            "cases": cases,
        }
        path = os.path.join(OUT, spec["name"] + ".json")
        with open(path, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
