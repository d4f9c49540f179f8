#!/usr/bin/env python3
"""Reference V_m traces from NEST 3.10's multimeter for cortexview's V_m reports.

Cases: the bundled 1,000-cell V1-like networks (tests/data/nets, from
../shared/peers/build_v1_like.py) with BMTK PointNet membrane reports, loaded as
../shared/peers/run_nest_sonata.py --mode h5py loads them (its build_h5py); and BMTK's own
300_pointneurons example from ../shared/fixtures with the report its config asks for (tstop cut to
50 ms), loaded as make_refs.py loads fixtures (its run_fixture). Each report becomes
what BMTK's MultimeterMod makes of it: a multimeter with record_from [variable_name],
interval = dt (default: run.dt), start = start_time (default 0), stop = end_time (default tstop),
connected to the report's nodes.

NEST's multimeter samples the state at the end of a step, stamped with the step's right end, at
stamps that are multiples of the interval in (start, stop] (first sample at t = interval, not 0).
It hands its data over one min_delay slice late, so after Simulate(tstop) the last min_delay ms
are missing (BMTK's reports lose them too); this script simulates tstop + min_delay and keeps the
samples up to the report's stop, which the multimeter's stop already bounds, so the references
hold every sample that the engine writes.

Output: tests/data/nest_refs/vm_reports.h5 with /<case>/<report>/{node_ids (u64), times (f64,
ms, NEST's stamps), V_m (f64 [times x nodes], gzip)} and attr population; the cases (network, tstop, the reports'
JSON as a simulation config would hold it) go into manifest.json under "vm_reports", where the
test reads them, so the test and the references use the same report requests.

usage: make_vm_report_refs.py [--peers DIR] [--fixtures DIR] [--out DIR]
Run with the peers venv (~/.cache/cortexview-peers/venv: nest-simulator==3.10.0 h5py pandas).
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

NODES_IAF = [0, 1, 2, 258, 500, 505, 999]  # some silent, some spiking in the first 200 ms
CASES = {
    "v1_iaf_n1000": {
        "net": "engine_ref_v1_iaf_n1000",
        "tstop": 200.0,
        "reports": {
            "membrane_potential": {
                "cells": {"population": "v1", "node_id": NODES_IAF},
                "variable_name": "V_m",
                "module": "multimeter_report",
                "sections": "soma",
            },
            "inh": {
                "cells": "v1_inh",
                "variable_name": "V_m",
                "module": "membrane_report",
                "start_time": 50.0,
                "end_time": 150.0,
                "dt": 0.5,
                "file_name": "inh_vm.h5",
            },
        },
    },
    "300_pointneurons": {
        "fixture": "sonata-examples/300_pointneurons/config.json",
        "tstop": 50.0,
        # the config's own report (its "sections" says "multimeter_report"; BMTK ignores it)
        "reports": "from the config",
    },
    "v1_glif_n1000": {
        "net": "engine_ref_v1_glif_n1000",
        "tstop": 150.0,
        "reports": {
            "membrane_potential": {
                "cells": {"population": "v1", "node_id": [0, 3, 250, 500, 750, 998]},
                "variable_name": "V_m",
                "module": "multimeter_report",
                "dt": 0.2,
            },
        },
    },
}


def report_rows(cfg, cells):
    """(population, rows) that a report's cells select: one population, named by the node set
    (node_id == row in these networks)."""
    if isinstance(cells, str):
        cells = json.load(open(cfg["node_sets_file"]))[cells]
    pop = cells["population"]
    for nconf in cfg["networks"]["nodes"]:
        with h5py.File(nconf["nodes_file"], "r") as f:
            if pop not in f["nodes"]:
                continue
            g = f["nodes"][pop]
            ntid = g["node_type_id"][()]
            node_id = g["node_id"][()] if "node_id" in g else np.arange(ntid.size)
        nt = pd.read_csv(nconf["node_types_file"], sep=r"\s+").set_index("node_type_id")
        break
    assert (node_id == np.arange(ntid.size)).all(), "node ids are not the rows"
    mask = np.ones(ntid.size, bool)
    for k, v in cells.items():
        v = v if isinstance(v, list) else [v]
        if k == "population":
            continue
        elif k == "node_id":
            mask &= np.isin(node_id, v)
        else:
            mask &= np.isin(nt.loc[ntid, k].values, v)
    return pop, np.nonzero(mask)[0]


def add_multimeters(nest, cfg, case, pops):
    """One multimeter per report, as BMTK's MultimeterMod creates it."""
    dt = cfg["run"]["dt"]
    tstop = case["tstop"]
    mms = {}
    for name, rep in case["reports"].items():
        pop, rows = report_rows(cfg, rep["cells"])
        params = {
            "interval": rep.get("dt", dt),
            "start": rep.get("start_time", 0.0),
            "stop": rep.get("end_time", tstop),
            "record_from": [rep["variable_name"]],
        }
        mm = nest.Create("multimeter", params=params)
        ids = pops[pop][rows]
        nest.Connect(mm, nest.NodeCollection(sorted(ids.tolist())))
        mms[name] = (mm, pop, ids, rows)
    return mms


def run_case(nest, build_h5py, resolve, make_refs, fixtures, case):
    tstop = case["tstop"]
    if "fixture" in case:
        cfg = make_refs.load_config(os.path.join(fixtures, case["fixture"]))
        if case["reports"] == "from the config":
            case["reports"] = cfg["reports"]
        cfg["run"]["tstop"] = tstop
        mms = {}

        def setup(nest, pops):
            mms.update(add_multimeters(nest, cfg, case, pops))
            return nest.GetKernelStatus("min_delay")  # the multimeter delivers one slice late

        make_refs.run_fixture(nest, cfg, setup)
        min_delay = nest.GetKernelStatus("min_delay")
    else:
        netdir = os.path.join(REPO, "tests", "data", "nets", case["net"])
        raw = json.load(open(os.path.join(netdir, "config.json")))
        nest.ResetKernel()
        nest.set(resolution=raw["run"]["dt"], local_num_threads=1)
        cwd = os.getcwd()
        os.chdir(netdir)  # the config's $BASE_DIR is "."
        try:
            cfg = resolve(raw, netdir)
            pops, _ = build_h5py(nest, cfg)
        finally:
            os.chdir(cwd)
        mms = add_multimeters(nest, cfg, case, pops)
        min_delay = nest.GetKernelStatus("min_delay")
        nest.Simulate(tstop + min_delay)  # the multimeter delivers one slice late
    out = {}
    for name, (mm, pop, ids, rows) in mms.items():
        ev = mm.get("events")
        var = case["reports"][name]["variable_name"]
        senders = np.asarray(ev["senders"])
        times = np.asarray(ev["times"], dtype=np.float64)
        vals = np.asarray(ev[var], dtype=np.float64)
        t_axis = np.unique(times)
        col = {int(g): i for i, g in enumerate(ids)}
        row = {t: i for i, t in enumerate(t_axis)}
        data = np.full((t_axis.size, ids.size), np.nan)
        for s, t, v in zip(senders, times, vals):
            data[row[t], col[int(s)]] = v
        assert not np.isnan(data).any(), f"{name}: a node missed a sample"
        out[name] = (pop, rows.astype(np.uint64), t_axis, data)
        print(f"  {name}: {ids.size} nodes, {t_axis.size} samples {t_axis[0]}..{t_axis[-1]} ms", flush=True)
    return out, min_delay


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", default=os.path.join(REPO, "..", "shared", "peers"))
    ap.add_argument("--fixtures", default=os.path.join(REPO, "..", "shared", "fixtures"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "data", "nest_refs"))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers))
    sys.path.insert(0, HERE)
    from run_nest_sonata import build_h5py, resolve  # noqa: E402
    import make_refs  # noqa: E402
    import nest

    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    entry = {"nest_version": nest.__version__, "file": "vm_reports.h5", "cases": {}}
    with h5py.File(os.path.join(args.out, "vm_reports.h5"), "w") as f:
        for name, case in CASES.items():
            print(name, flush=True)
            traces, min_delay = run_case(nest, build_h5py, resolve, make_refs, args.fixtures, case)
            for rep, (pop, node_ids, times, data) in traces.items():
                g = f.create_group(f"{name}/{rep}")
                g.attrs["population"] = pop
                g.create_dataset("node_ids", data=node_ids)
                g.create_dataset("times", data=times).attrs["units"] = "ms"
                ds = g.create_dataset("V_m", data=data, compression="gzip", shuffle=True)
                ds.attrs["units"] = "mV"
            entry["cases"][name] = dict(case, min_delay_ms=min_delay)
    manifest["vm_reports"] = entry
    json.dump(manifest, open(manifest_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
