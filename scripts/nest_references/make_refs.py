#!/usr/bin/env python3
"""Reference spike trains from NEST 3.10 for cortexview's engine tests.

Cases (written to tests/data/nest_refs/<case>.h5, SONATA spikes, gzip, plus manifest.json):
  * fixtures: sonata-examples/300_pointneurons and sim_tests/intfire/* from ../shared/fixtures,
    loaded with an h5py loader that follows run_nest_sonata.py --mode h5py (weight = syn_weight x
    nsyns, one spike_generator per virtual node with allow_offgrid_times, one_to_one Connect per
    edge type) and extends it where those files need it: the old /spikes/{gids,timestamps} layout,
    edges without a delay (NEST's default 1 ms), and current clamps as BMTK PointNet builds them
    (step_current_generator, amplitude_times [delay, delay+duration], connection delay dt).
  * V1-like networks from ../shared/peers/build_v1_like.py (--edges fast, default parameters),
    iaf and glif at 1,000 and 10,000 cells, run with ../shared/peers/run_nest_sonata.py --mode h5py.

usage: make_refs.py [--fixtures DIR] [--peers DIR] [--out DIR] [--only CASE ...]
Run with the peers venv (pip install nest-simulator==3.10.0 h5py pandas).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PEERS_DIR = os.environ.get("PEERS_DIR", os.path.expanduser("~/.cache/cortexview-peers"))

FIXTURE_CASES = {
    "300_pointneurons": "sonata-examples/300_pointneurons/config.json",
    "intfire_one_cell_iclamp_nest": "sonata-examples/sim_tests/intfire/one_cell_iclamp_nest/input/config.json",
    "intfire_ten_cells_iclamp_nest": "sonata-examples/sim_tests/intfire/ten_cells_iclamp_nest/input/config.json",
    "intfire_ten_cells_spikes_nest": "sonata-examples/sim_tests/intfire/ten_cells_spikes_nest/input/config.json",
}
V1_CASES = {f"v1_{m}_n{n}": (m, n) for m in ("iaf", "glif") for n in (1000, 10000)}


def resolve(cfg, base):
    man = {k.lstrip("$"): v for k, v in cfg.get("manifest", {}).items()}
    for _ in range(5):
        for k, v in man.items():
            for k2, v2 in man.items():
                v = v.replace("$" + k2, v2).replace("${" + k2 + "}", v2)
            man[k] = v

    def sub(x):
        if isinstance(x, dict):
            return {k: sub(v) for k, v in x.items()}
        if isinstance(x, list):
            return [sub(v) for v in x]
        if isinstance(x, str) and "$" in x:
            for k in sorted(man, key=len, reverse=True):
                x = x.replace("${" + k + "}", man[k]).replace("$" + k, man[k])
            return os.path.normpath(os.path.join(base, x))
        return x

    return sub({k: v for k, v in cfg.items() if k != "manifest"})


def load_config(path):
    """BMTK config.json: either everything in one file or {"network": ..., "simulation": ...}."""
    base = os.path.dirname(os.path.abspath(path))
    raw = json.load(open(path))
    if isinstance(raw.get("network"), str) and isinstance(raw.get("simulation"), str) and "run" not in raw:
        out = {}
        for part in ("network", "simulation"):
            p = os.path.normpath(os.path.join(base, raw[part]))
            out.update(resolve(json.load(open(p)), os.path.dirname(p)))
        return out
    return resolve(raw, base)


def read_spikes(path, pop):
    with h5py.File(path, "r") as f:
        s = f["spikes"]
        if "gids" in s:  # old layout: /spikes/{gids,timestamps}
            return s["gids"][()], s["timestamps"][()]
        g = s[pop] if pop in s else s[list(s.keys())[0]]
        return g["node_ids"][()], g["timestamps"][()]


def node_set_rows(cfg, node_set, pop, nt_row_attr):
    """Rows of population `pop` selected by a node set name (node_sets.json) or population name."""
    n = len(next(iter(nt_row_attr.values())))
    sets = json.load(open(cfg["node_sets_file"])) if "node_sets_file" in cfg else {}
    if isinstance(node_set, str) and node_set not in sets:
        return np.arange(n) if node_set == pop else np.array([], int)
    d = sets[node_set] if isinstance(node_set, str) else node_set
    mask = np.ones(n, bool)
    for k, v in d.items():
        if k == "population":
            if pop not in (v if isinstance(v, list) else [v]):
                return np.array([], int)
            continue
        col = nt_row_attr.get(k)
        if col is None:
            return np.array([], int)
        mask &= np.isin(col, v if isinstance(v, list) else [v])
    return np.nonzero(mask)[0]


def run_fixture(nest, cfg, setup=None):
    """Spikes of a fixture; `setup(nest, pops)`, if given, runs after the network is built and
    returns how many ms to simulate beyond tstop (make_vm_report_refs.py adds multimeters)."""
    comp = cfg["components"]
    dt = cfg["run"]["dt"]
    nest.ResetKernel()
    nest.set(resolution=dt, local_num_threads=1)
    pops, virtual, attrs = {}, {}, {}
    for nconf in cfg["networks"]["nodes"]:
        nt = pd.read_csv(nconf["node_types_file"], sep=r"\s+").set_index("node_type_id")
        with h5py.File(nconf["nodes_file"], "r") as f:
            for pop in f["nodes"]:
                ntid = f["nodes"][pop]["node_type_id"][()]
                attrs[pop] = {c: nt.loc[ntid, c].values for c in nt.columns}
                if (nt.loc[np.unique(ntid), "model_type"] == "virtual").all():
                    virtual[pop] = ntid.size
                    continue
                ids = np.empty(ntid.size, dtype=np.int64)
                brk = np.nonzero(np.diff(ntid))[0] + 1
                for s, e in zip(np.concatenate(([0], brk)), np.concatenate((brk, [ntid.size]))):
                    row = nt.loc[ntid[s]]
                    params = json.load(open(os.path.join(comp["point_neuron_models_dir"], row["dynamics_params"])))
                    nc = nest.Create(row["model_template"].split(":")[1], e - s, params=params)
                    ids[s:e] = nc.tolist()
                pops[pop] = ids
    for pop, n in virtual.items():
        inps = [v for v in cfg.get("inputs", {}).values()
                if v.get("input_type") == "spikes" and (v.get("node_set") == pop or
                   len(node_set_rows(cfg, v.get("node_set"), pop, attrs[pop])) > 0)]
        sg = nest.Create("spike_generator", n)
        if inps:
            nid, ts = read_spikes(inps[0]["input_file"], pop)
            o = np.lexsort((ts, nid))
            nid, ts = nid[o], ts[o]
            bounds = np.searchsorted(nid, np.arange(n + 1))
            sg.set([{"spike_times": ts[bounds[i]:bounds[i + 1]], "allow_offgrid_times": True}
                    for i in range(n)])
        pops[pop] = np.array(sg.tolist())
    for econf in cfg["networks"].get("edges", []):
        et = pd.read_csv(econf["edge_types_file"], sep=r"\s+").set_index("edge_type_id")
        with h5py.File(econf["edges_file"], "r") as f:
            for epop in f["edges"]:
                g = f["edges"][epop]
                sp = g["source_node_id"].attrs["node_population"]
                tp = g["target_node_id"].attrs["node_population"]
                sp = sp.decode() if isinstance(sp, bytes) else sp
                tp = tp.decode() if isinstance(tp, bytes) else tp
                src, trg, ety = g["source_node_id"][()], g["target_node_id"][()], g["edge_type_id"][()]
                gidx = g["edge_group_index"][()]
                grp = g["0"]
                nsyns = grp["nsyns"][()][gidx] if "nsyns" in grp else np.ones(src.size)
                w_edge = grp["syn_weight"][()][gidx] if "syn_weight" in grp else None
                d_edge = grp["delay"][()][gidx] if "delay" in grp else None
                for etid in np.unique(ety):
                    m = ety == etid
                    row = et.loc[etid]
                    syn = {"synapse_model": row["model_template"].replace("nest:", "")}
                    if isinstance(row.get("dynamics_params"), str):
                        syn.update(json.load(open(os.path.join(comp["synaptic_models_dir"], row["dynamics_params"]))))
                    w = w_edge[m] if w_edge is not None else np.full(m.sum(), float(row["syn_weight"]))
                    if d_edge is not None:
                        d = d_edge[m]
                    elif "delay" in row.index and not pd.isna(row["delay"]):
                        d = np.full(m.sum(), float(row["delay"]))
                    else:
                        d = np.full(m.sum(), 1.0)  # NEST's default delay
                    syn["weight"] = w * nsyns[m]
                    syn["delay"] = d
                    nest.Connect(pops[sp][src[m]], pops[tp][trg[m]], "one_to_one", syn)
    for name, inp in cfg.get("inputs", {}).items():
        if inp.get("input_type") != "current_clamp":
            continue
        lst = lambda x: x if isinstance(x, list) else [x]
        amps, delays, durs = lst(inp["amp"]), lst(inp["delay"]), lst(inp["duration"])
        times, vals = [], []
        for i, (a, s, du) in enumerate(zip(amps, delays, durs)):  # bmtk pointnet IClampMod
            if s <= dt:
                continue
            times.append(s)
            vals.append(a)
            if i + 1 == len(delays) or s + du <= delays[i + 1]:
                times.append(s + du)
                vals.append(0.0)
        scg = nest.Create("step_current_generator", params={"amplitude_times": times, "amplitude_values": vals})
        for pop in pops:
            if pop in virtual:
                continue
            rows = node_set_rows(cfg, inp.get("node_set", "all"), pop, attrs[pop])
            if len(rows):
                nest.Connect(scg, nest.NodeCollection(sorted(pops[pop][rows].tolist())), syn_spec={"delay": dt})
    recs = {}
    for pop, ids in pops.items():
        if pop in virtual:
            continue
        sr = nest.Create("spike_recorder")
        nest.Connect(nest.NodeCollection(sorted(ids.tolist())), sr)
        recs[pop] = (sr, ids)
    extra = setup(nest, pops) if setup else 0.0
    nest.Simulate(cfg["run"]["tstop"] + extra)
    out = {}
    for pop, (sr, ids) in recs.items():
        ev = sr.get("events")
        lookup = {int(g): r for r, g in enumerate(ids)}
        out[pop] = (np.array([lookup[int(s)] for s in ev["senders"]], dtype=np.int64),
                    np.asarray(ev["times"], dtype=np.float64))
    return out


def write_ref(path, spikes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for pop, (nid, ts) in spikes.items():
            o = np.lexsort((nid, ts))
            g = f.create_group(f"spikes/{pop}")
            g.attrs["sorting"] = "by_time"
            g.create_dataset("node_ids", data=nid[o].astype(np.uint64), compression="gzip", shuffle=True)
            ds = g.create_dataset("timestamps", data=ts[o].astype(np.float64), compression="gzip", shuffle=True)
            ds.attrs["units"] = "ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(REPO, "..", "shared", "fixtures"))
    ap.add_argument("--peers", default=os.path.join(REPO, "..", "shared", "peers"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "data", "nest_refs"))
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    import nest
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    manifest["nest_version"] = nest.__version__
    cases = manifest.setdefault("cases", {})
    for case, rel in FIXTURE_CASES.items():
        if args.only and case not in args.only:
            continue
        cfg = load_config(os.path.join(args.fixtures, rel))
        t = time.time()
        spikes = run_fixture(nest, cfg)
        write_ref(os.path.join(args.out, case + ".h5"), spikes)
        cases[case] = {"kind": "fixture", "config": rel, "tstop": cfg["run"]["tstop"], "dt": cfg["run"]["dt"],
                       "spikes": {p: int(v[0].size) for p, v in spikes.items()}, "nest_s": time.time() - t}
        print(case, cases[case], flush=True)
    py = sys.executable
    for case, (model, n) in V1_CASES.items():
        if args.only and case not in args.only:
            continue
        netdir = os.path.join(PEERS_DIR, "nets", f"engine_ref_{case}")
        build = [py, os.path.join(args.peers, "build_v1_like.py"), "--n", str(n), "--model", model,
                 "--edges", "fast", "--out", netdir]
        if not os.path.exists(os.path.join(netdir, "config.json")):
            subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        r = subprocess.run([py, os.path.join(args.peers, "run_nest_sonata.py"), netdir, "--mode", "h5py"],
                           check=True, capture_output=True, text=True)
        res = json.loads([l for l in r.stdout.splitlines() if l.startswith("RESULT ")][-1][7:])
        nid, ts = read_spikes(res["spikes_file"], "v1")
        write_ref(os.path.join(args.out, case + ".h5"), {"v1": (nid.astype(np.int64), ts)})
        info = json.load(open(os.path.join(netdir, "build_info.json")))
        cases[case] = {"kind": "v1_like", "model": model, "n": n,
                       "build": "build_v1_like.py " + " ".join(build[2:-2]),
                       "netdir_name": os.path.basename(netdir),
                       "n_rec_edges": info.get("n_rec_edges"), "n_lgn_edges": info.get("n_lgn_edges"),
                       "tstop": res["tstop_ms"], "spikes": {"v1": res["n_spikes"]},
                       "nest_load_s": res["load_s"], "nest_sim_s": res["sim_s"]}
        print(case, cases[case], flush=True)
    json.dump(manifest, open(manifest_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
