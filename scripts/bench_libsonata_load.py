#!/usr/bin/env python3
"""Time libsonata loading a node population and a spikes file (peer baseline for cortexview).

usage: bench_libsonata_load.py NODES_H5 POPULATION SPIKES_H5 [--types-csv CSV] [--repeats 3]

(a) libsonata_nodes_s: NodeStorage(NODES_H5).open_population(POPULATION), then get_attribute(name,
    select_all()) for every attribute (x, y, z and all others) plus every dynamics attribute.
    libsonata has no API for node_type_id, so it is read with h5py (node_type_id_h5py_s, separate).
    types_csv_s: pandas.read_csv of the node_types.csv (default: NODES_H5 with _nodes.h5 ->
    _node_types.csv), since libsonata cannot merge it; types_merge_s: mapping every node to its CSV row
    (node_type_id -> row take), also separate.
(b) libsonata_spikes_s: SpikeReader(SPIKES_H5)[pop].get() for every population (list of tuples);
    libsonata_spikes_get_dict_s: the same with get_dict() (numpy arrays), for reference.
    libsonata refuses BMTK/NEST-script spike files whose `sorting` attribute is a string (it wants
    the HDF5 enum {none, by_id, by_time}) and gzip-compressed datasets: in that case the file is
    copied once (untimed) to a temporary file with the same datasets, uncompressed, and an enum
    `sorting` attribute, the copy is timed, and "spikes_file_note" says so.
Each timing is the best of --repeats runs (default 3). Prints one JSON line.
libsonata's PyPI wheel cannot read gzip-compressed node files: build them with --compression none.
"""
import argparse
import importlib.metadata as md
import json
import os
import sys
import tempfile
import time

import h5py
import numpy as np
import pandas as pd
import libsonata


def best_of(n, fn):
    best, res = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t0)
    return best, res


def load_nodes(path, pop):
    p = libsonata.NodeStorage(path).open_population(pop)
    sel = p.select_all()
    cols = {a: p.get_attribute(a, sel) for a in sorted(p.attribute_names)}
    for a in sorted(p.dynamics_attribute_names):
        cols["dynamics_params." + a] = p.get_dynamics_attribute(a, sel)
    return p.size, cols


def libsonata_compatible_copy(path):
    """Copy spikes with an HDF5-enum `sorting` attribute and no compression. Returns (path, note)."""
    enum_t = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype=np.uint8)
    fd, tmp = tempfile.mkstemp(suffix=".h5", prefix="spikes_libsonata_")
    os.close(fd)
    with h5py.File(path, "r") as src, h5py.File(tmp, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        for pop, g in src["spikes"].items():
            if not isinstance(g, h5py.Group):
                continue
            d = dst.create_group(f"spikes/{pop}")
            s = g.attrs.get("sorting", "none")
            s = s.decode() if isinstance(s, bytes) else s
            code = {"none": 0, "by_id": 1, "by_time": 2}.get(str(s), 0) if not isinstance(s, (int, np.integer)) else int(s)
            d.attrs.create("sorting", code, dtype=enum_t)
            d.create_dataset("node_ids", data=g["node_ids"][()].astype(np.uint64))
            ts = d.create_dataset("timestamps", data=g["timestamps"][()].astype(np.float64))
            ts.attrs["units"] = g["timestamps"].attrs.get("units", "ms")
    return tmp, "original refused by libsonata; timed an uncompressed copy with an enum `sorting` attribute"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nodes_h5")
    ap.add_argument("population")
    ap.add_argument("spikes_h5")
    ap.add_argument("--types-csv", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    R = a.repeats
    out = {}

    t_nodes, (n_nodes, cols) = best_of(R, lambda: load_nodes(a.nodes_h5, a.population))
    out["libsonata_nodes_s"] = t_nodes

    def read_types():
        with h5py.File(a.nodes_h5, "r") as f:
            return f["nodes"][a.population]["node_type_id"][()]
    t_ntid, ntid = best_of(R, read_types)

    csv = a.types_csv or (a.nodes_h5[:-len("_nodes.h5")] + "_node_types.csv" if a.nodes_h5.endswith("_nodes.h5") else None)
    t_csv = t_merge = None
    if csv and os.path.exists(csv):
        t_csv, types = best_of(R, lambda: pd.read_csv(csv, sep=r"\s+", na_values=["NULL", "NONE"]))

        def merge():
            t = types.set_index("node_type_id")
            pos = t.index.get_indexer(ntid)
            return {c: t[c].to_numpy()[pos] for c in t.columns}
        t_merge, _ = best_of(R, merge)
    out["types_csv_s"] = t_csv

    spikes_path, note = a.spikes_h5, None
    try:
        r = libsonata.SpikeReader(spikes_path)
        for p in r.get_population_names():
            r[p].get(tstart=0.0, tstop=0.0)  # touches the sorting attribute and datasets
    except Exception as e:
        spikes_path, note = libsonata_compatible_copy(a.spikes_h5)
        note += f" (libsonata error: {e})"

    def load_spikes(dict_api=False):
        r = libsonata.SpikeReader(spikes_path)
        n = 0
        for p in r.get_population_names():
            if dict_api:
                d = r[p].get_dict()
                n += len(d["node_ids"])
            else:
                n += len(r[p].get())
        return n
    t_sp, n_spikes = best_of(R, load_spikes)
    out["libsonata_spikes_s"] = t_sp
    t_spd, _ = best_of(R, lambda: load_spikes(True))
    out.update({
        "n_nodes": int(n_nodes), "n_spikes": int(n_spikes),
        "node_type_id_h5py_s": t_ntid, "types_merge_s": t_merge, "libsonata_spikes_get_dict_s": t_spd,
        "n_attributes": len(cols), "attributes": sorted(cols), "types_csv": csv,
        "spikes_file_note": note, "repeats": R,
        "libsonata": md.version("libsonata"), "python": sys.version.split()[0],
    })
    if note:
        os.unlink(spikes_path)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
