#!/usr/bin/env python3
"""Read a SONATA spikes file with BOTH libsonata and bmtk and write what each of them saw.

usage: read_back_spikes.py FILE.h5 OUT.json [--max-spikes N]

OUT.json:
  {"file": ..., "tool_versions": {...},
   "h5py":      {"root_attrs": {...}, "populations": {pop: {"sorting_attr": ..., "sorting_attr_type": ...,
                 "node_ids_dtype": ..., "timestamps_dtype": ..., "units": ..., "count": n}}},
   "libsonata": {"ok": bool, "error": str|null, "populations": {pop: {"sorting": "none|by_id|by_time",
                 "times": [t0, t1], "time_units": ..., "count": n, "node_ids": [...], "timestamps": [...]}}},
   "bmtk":      {"ok": bool, "error": str|null, "populations": {pop: {"sorting": "...", "units": ...,
                 "count": n, "node_ids": [...], "timestamps": [...]}}},
   "agree": {pop: {"libsonata_vs_bmtk_same_sequence": bool, "libsonata_vs_bmtk_same_multiset": bool}}}
Spikes are listed in the order each library returns them (libsonata: SpikePopulation.get();
bmtk: SpikeTrains.load(...).to_dataframe(populations=pop, sort_order=none)); --max-spikes truncates
the lists (count stays exact). Exit status 0 even if a library refuses the file (see "error").
Run in the peers venv ($PEERS_DIR/venv, scripts/setup_peers.sh).
"""
import argparse
import importlib.metadata as md
import json
import math
import sys
import traceback

import h5py
import numpy as np


def jv(x):
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode()
    if isinstance(x, np.ndarray):
        return [jv(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [jv(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return None if math.isnan(f) else f
    return x


def attr_type(obj, name):
    if name not in obj.attrs:
        return None
    tid = obj.attrs.get_id(name).get_type()
    c = tid.get_class()
    if c == h5py.h5t.ENUM:
        return "enum {" + ", ".join(f"{tid.get_member_name(i).decode()}:{tid.get_member_value(i)}"
                                    for i in range(tid.get_nmembers())) + "}"
    if c == h5py.h5t.STRING:
        return "string (variable-length)" if tid.is_variable_str() else f"string (fixed {tid.get_size()})"
    return {h5py.h5t.INTEGER: "integer", h5py.h5t.FLOAT: "float"}.get(c, str(c))


def read_h5py(path):
    out = {"populations": {}}
    with h5py.File(path, "r") as f:
        out["root_attrs"] = {k: jv(v) for k, v in f.attrs.items()}
        sp = f["spikes"]
        if "gids" in sp and isinstance(sp["gids"], h5py.Dataset):
            out["populations"][""] = {"layout": "old /spikes/gids", "sorting_attr": jv(sp.attrs.get("sorting")),
                                      "sorting_attr_type": attr_type(sp, "sorting"),
                                      "node_ids_dtype": str(sp["gids"].dtype),
                                      "timestamps_dtype": str(sp["timestamps"].dtype), "count": int(sp["gids"].shape[0])}
        for pop, g in sp.items():
            if not isinstance(g, h5py.Group):
                continue
            ent = {"sorting_attr": jv(g.attrs.get("sorting")), "sorting_attr_type": attr_type(g, "sorting"),
                   "group_attrs": {k: jv(v) for k, v in g.attrs.items()}}
            if "node_ids" in g:
                ent["node_ids_dtype"] = str(g["node_ids"].dtype)
                ent["count"] = int(g["node_ids"].shape[0])
                ent["node_ids_compression"] = g["node_ids"].compression
            if "timestamps" in g:
                ent["timestamps_dtype"] = str(g["timestamps"].dtype)
                ent["units"] = jv(g["timestamps"].attrs.get("units"))
            out["populations"][pop] = ent
    return out


def read_libsonata(path, cap):
    out = {"ok": False, "error": None, "populations": {}}
    try:
        import libsonata
        r = libsonata.SpikeReader(path)
        for pop in sorted(r.get_population_names()):
            ent = {}
            try:
                p = r[pop]
                got = p.get()
                ent["sorting"] = p.sorting
                ent["times"] = jv(list(p.times))
                ent["time_units"] = p.time_units
                ent["count"] = len(got)
                ent["node_ids"] = [int(a) for a, _ in got[:cap]]
                ent["timestamps"] = [float(b) for _, b in got[:cap]]
            except Exception as e:
                ent["error"] = f"{type(e).__name__}: {e}"
            out["populations"][pop] = ent
        out["ok"] = all("error" not in e for e in out["populations"].values())
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def read_bmtk(path, cap):
    out = {"ok": False, "error": None, "populations": {}}
    try:
        from bmtk.utils.reports.spike_trains import SpikeTrains
        from bmtk.utils.reports.spike_trains import sort_order as so
        st = SpikeTrains.load(path, file_type="sonata")
        pops = list(st.populations)
        for pop in pops:
            ent = {}
            try:
                df = st.to_dataframe(populations=pop, sort_order=so.none, with_population_col=False)
                nid = df["node_ids"].to_numpy() if df is not None else np.zeros(0)
                ts = df["timestamps"].to_numpy() if df is not None else np.zeros(0)
                try:
                    ent["sorting"] = str(st.adaptor.sort_order(pop)).split(".")[-1]
                except Exception as e:
                    ent["sorting"] = f"unavailable ({e})"
                try:
                    ent["units"] = jv(st.adaptor.units(pop))
                except Exception:
                    ent["units"] = None
                ent["count"] = int(nid.size)
                ent["node_ids"] = [int(v) for v in nid[:cap]]
                ent["timestamps"] = [float(v) for v in ts[:cap]]
            except Exception as e:
                ent["error"] = f"{type(e).__name__}: {e}"
            # bmtk names the old-layout population after a default; keep it as bmtk reports it
            out["populations"][str(pop) if pop is not None else ""] = ent
        out["ok"] = all("error" not in e for e in out["populations"].values())
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        out["traceback"] = traceback.format_exc(limit=3)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("out")
    ap.add_argument("--max-spikes", type=int, default=None)
    a = ap.parse_args()
    cap = a.max_spikes
    vers = {}
    for p in ["libsonata", "bmtk", "h5py", "numpy", "pandas"]:
        try:
            vers[p] = md.version(p)
        except Exception:
            vers[p] = None
    res = {"file": a.file, "tool_versions": vers, "h5py": read_h5py(a.file),
           "libsonata": read_libsonata(a.file, cap), "bmtk": read_bmtk(a.file, cap), "agree": {}}
    for pop in sorted(set(res["libsonata"]["populations"]) & set(res["bmtk"]["populations"])):
        L, B = res["libsonata"]["populations"][pop], res["bmtk"]["populations"][pop]
        if "node_ids" in L and "node_ids" in B:
            same_seq = L["node_ids"] == B["node_ids"] and L["timestamps"] == B["timestamps"]
            same_set = sorted(zip(L["node_ids"], L["timestamps"])) == sorted(zip(B["node_ids"], B["timestamps"]))
            res["agree"][pop] = {"libsonata_vs_bmtk_same_sequence": same_seq,
                                 "libsonata_vs_bmtk_same_multiset": same_set,
                                 "sorting": [L.get("sorting"), B.get("sorting")]}
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    summ = {k: {"ok": res[k]["ok"], "error": res[k]["error"],
                "pops": {p: (e.get("count"), e.get("sorting"), e.get("error")) for p, e in res[k]["populations"].items()}}
            for k in ("libsonata", "bmtk")}
    print(json.dumps(summ))
    print(json.dumps(res["agree"]))


if __name__ == "__main__":
    main()
