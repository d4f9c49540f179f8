#!/usr/bin/env python3
"""Write reference JSON files for cortexview's SONATA reader tests, computed with the peer
libraries (bmtk, libsonata, h5py).

Run in the peers venv (scripts/setup_peers.sh):

    $PEERS_DIR/venv/bin/python scripts/references/make_references.py \
        [--fixtures /work/shared/fixtures] [--out tests/data/references] [--only NAME ...]

Output: tests/data/references/<name>.json, one per network directory ("nodes", "edges",
"reports"), and one per spike file ("spikes"), plus index.json listing all of them.
See scripts/references/README.md for the format and the naming conventions of the peers.
"""
import argparse
import glob
import importlib.metadata as md
import json
import math
import os
import sys
import traceback
import warnings

import h5py
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TESTS_DATA = os.path.join(REPO, "tests", "data")
N_SAMPLE = 1000
FULL_LIMIT = 2000
N_RANGE_NODES = 50
N_REPORT_ELEMENTS = 20


# --------------------------------------------------------------------------- helpers
def tool_versions():
    v = {}
    for p in ["bmtk", "libsonata", "h5py", "numpy", "pandas"]:
        try:
            v[p] = md.version(p)
        except Exception:
            v[p] = None
    v["hdf5"] = h5py.version.hdf5_version
    v["python"] = sys.version.split()[0]
    return v


def jv(x):
    """Convert one value to something json can write; NaN/None -> None."""
    if x is None:
        return None
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode("utf-8", "replace")
    if isinstance(x, np.ndarray):
        return [jv(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [jv(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return None if math.isnan(f) else (f if math.isfinite(f) else str(f))
    if isinstance(x, int):
        return x
    if isinstance(x, str):
        return x
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return str(x)


def jlist(arr):
    return [jv(v) for v in (arr.tolist() if isinstance(arr, np.ndarray) else list(arr))]


def sample_rows(n):
    if n <= FULL_LIMIT:
        return np.arange(n, dtype=np.int64)
    r = np.unique(np.round(np.linspace(0, n - 1, N_SAMPLE)).astype(np.int64))
    return np.unique(np.concatenate(([0], r, [n - 1])))


def exact_sum(values):
    """Sum over non-missing values: python int for integer/bool dtypes, math.fsum for floats."""
    a = np.asarray(values)
    if a.dtype.kind in "iub":
        return int(a.astype(object).sum()) if a.size else 0, int(a.size)
    if a.dtype.kind == "f":
        m = ~np.isnan(a)
        return math.fsum(a[m].astype(np.float64).tolist()), int(m.sum())
    if a.dtype.kind == "O":  # object column: sum numeric entries if every non-null entry is a number
        vals = [v for v in a.tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if vals and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in vals):
            return math.fsum(float(v) for v in vals), len(vals)
    return None, None


def decode_attr(v):
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode()
    if isinstance(v, np.ndarray) and v.dtype.kind in "SO":
        return [decode_attr(x) for x in v.tolist()]
    return v


def _attr_type(obj, name):
    if name not in obj.attrs:
        return None
    tid = obj.attrs.get_id(name).get_type()
    cls = {h5py.h5t.ENUM: "enum", h5py.h5t.STRING: "string", h5py.h5t.INTEGER: "integer"}.get(tid.get_class(), str(tid.get_class()))
    if cls == "string":
        cls += " (variable-length)" if tid.is_variable_str() else f" (fixed {tid.get_size()})"
    if cls == "enum":
        cls += " {" + ", ".join(f"{tid.get_member_name(i).decode()}:{tid.get_member_value(i)}" for i in range(tid.get_nmembers())) + "}"
    return cls


def rel(path, root):
    return os.path.relpath(path, root)


def first_group_ids(pop_grp):
    return sorted([k for k in pop_grp.keys() if isinstance(pop_grp[k], h5py.Group) and k.isdigit()], key=int)


def any_compressed(h5obj):
    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.compression is not None:
            found.append(name)
    h5obj.visititems(visit)
    return found


# --------------------------------------------------------------------------- nodes
def nodes_bmtk(h5_path, csv_path, root):
    from bmtk.utils.sonata import File
    out = {}
    f = File(data_files=[h5_path], data_type_files=[csv_path], require_magic=False)
    with h5py.File(h5_path, "r") as hf:
        for pop in sorted(f.nodes.population_names):
            po = f.nodes[pop]
            g = hf["nodes"][pop]
            ntid = g["node_type_id"][()]
            n = int(ntid.size)
            gid_ds = g["node_group_id"][()] if "node_group_id" in g else np.zeros(n, np.int64)
            nid_ds = g["node_id"][()] if "node_id" in g else np.arange(n)
            df = po.to_dataframe(index_by_id=False)
            # bmtk concatenates the groups: rebuild the h5 row of every dataframe row
            order = np.concatenate([np.nonzero(gid_ds == int(gidx))[0] for gidx in po.group_ids]) \
                if len(po.group_ids) else np.zeros(0, np.int64)
            assert len(order) == len(df) == n, (pop, len(order), len(df), n)
            assert np.array_equal(df["node_id"].to_numpy().astype(np.int64), nid_ds[order].astype(np.int64)), pop
            assert np.array_equal(df["node_type_id"].to_numpy().astype(np.int64), ntid[order].astype(np.int64)), pop
            df.index = order
            df = df.sort_index()
            columns = list(df.columns)
            rows = sample_rows(n)
            attrs, sums, counts, dtypes = {}, {}, {}, {}
            for c in columns:
                col = df[c]
                dtypes[c] = str(col.dtype)
                s, k = exact_sum(col.to_numpy())
                if s is not None:
                    sums[c] = s
                    counts[c] = k
                if c in ("node_id", "node_type_id"):
                    continue
                attrs[c] = [jv(v) for v in col.to_numpy()[rows].tolist()]
            groups = {gname: sorted(k for k in g[gname].keys()) for gname in first_group_ids(g)}
            dyn = {}
            for gname in first_group_ids(g):
                if "dynamics_params" in g[gname]:
                    dyn[gname] = sorted(g[gname]["dynamics_params"].keys())
            out[pop] = {
                "count": n,
                "rows": jlist(rows),
                "node_id": jlist(df["node_id"].to_numpy()[rows]),
                "node_type_id": jlist(df["node_type_id"].to_numpy()[rows]),
                "attributes": attrs,
                "attribute_source": "bmtk",
                "sums": sums,
                "non_missing_counts": counts,
                "columns": sorted(columns),
                "dtypes": dtypes,
                "file": rel(h5_path, root),
                "types_file": rel(csv_path, root),
                "h5_groups": groups,
                "h5_node_group_id_counts": {str(k): int(v) for k, v in zip(*np.unique(gid_ds, return_counts=True))},
                "h5_dynamics_params_not_in_bmtk_dataframe": dyn,
            }
    return out


def nodes_libsonata(h5_path, root):
    import libsonata
    out = {}
    st = libsonata.NodeStorage(h5_path)
    with h5py.File(h5_path, "r") as hf:
        for pop in sorted(st.population_names):
            g = hf["nodes"][pop]
            ntid = g["node_type_id"][()] if "node_type_id" in g else np.zeros(0, np.int64)
            n = int(ntid.size)
            rows = sample_rows(n)
            ent = {"count": n, "rows": jlist(rows), "attribute_source": "libsonata",
                   "file": rel(h5_path, root), "types_file": None, "errors": {}}
            if "node_type_id" not in g:
                ent["errors"]["node_type_id"] = "dataset missing in h5 (count taken as 0)"
            ent["node_id"] = jlist(g["node_id"][()][rows] if "node_id" in g else rows)
            ent["node_type_id"] = jlist(ntid[rows])
            try:
                p = st.open_population(pop)
            except Exception as e:
                ent["errors"]["open_population"] = str(e)
                ent["attributes"] = {}
                ent["h5_groups"] = {gn: sorted(g[gn].keys()) for gn in first_group_ids(g)}
                ent["sums"] = {"node_type_id": exact_sum(ntid)[0]}
                out[pop] = ent
                continue
            sel_all = p.select_all()
            sel = libsonata.Selection(rows.tolist()) if n else sel_all
            attrs, sums, counts, dtypes, enums, enum_values, dyn = {}, {}, {}, {}, {}, {}, {}
            for a in sorted(p.attribute_names):
                try:
                    full = p.get_attribute(a, sel_all)
                    full = np.asarray(full)
                    dtypes[a] = str(full.dtype)
                    if full.size == n:
                        attrs[a] = jlist(full[rows])
                    else:  # libsonata returns [] for scalar (non-1D) datasets
                        attrs[a] = jlist(full)
                        ent["errors"][a] = f"libsonata returned {full.size} values for {n} nodes"
                    s, k = exact_sum(full)
                    if s is not None and full.dtype.kind != "O":
                        sums[a], counts[a] = s, k
                except Exception as e:
                    attrs[a] = None
                    ent["errors"][a] = str(e)
            for a in sorted(p.enumeration_names):
                try:
                    enums[a] = jlist(np.asarray(p.get_enumeration(a, sel)))
                    enum_values[a] = list(p.enumeration_values(a))
                except Exception as e:
                    ent["errors"]["enum:" + a] = str(e)
            for a in sorted(p.dynamics_attribute_names):
                try:
                    dyn[a] = jlist(np.asarray(p.get_dynamics_attribute(a, sel)))
                except Exception as e:
                    ent["errors"]["dynamics:" + a] = str(e)
            ent.update({"attributes": attrs, "sums": sums, "non_missing_counts": counts, "dtypes": dtypes,
                        "enumerations": enums, "enumeration_values": enum_values, "dynamics_params": dyn,
                        "columns": sorted(p.attribute_names)})
            ent["sums"]["node_type_id"] = exact_sum(ntid)[0]
            out[pop] = ent
    return out


# --------------------------------------------------------------------------- edges
def _index_group(g):
    for name in ("indices", "indicies"):
        if name in g and isinstance(g[name], h5py.Group):
            return name, g[name]
    return None, None


def ranges_from_index(g, direction, node_ids):
    """Ranges the way libsonata resolves them: node_id_to_range(s)[node] -> rows of range_to_edge_id,
    then sorted and merged (checked against libsonata on every file it can open). Returns (dict, dataset name) or (None, None)."""
    iname, ig = _index_group(g)
    if ig is None or direction not in ig:
        return None, None
    d = ig[direction]
    n2r_name = "node_id_to_ranges" if "node_id_to_ranges" in d else ("node_id_to_range" if "node_id_to_range" in d else None)
    if n2r_name is None:
        return None, None
    n2r = d[n2r_name][()]
    r2e = d["range_to_edge_id"][()]
    out = {}
    for nid in node_ids:
        if nid >= n2r.shape[0]:
            out[str(nid)] = []
            continue
        r0, r1 = int(n2r[nid, 0]), int(n2r[nid, 1])
        if r0 < 0 or r1 <= r0:
            out[str(nid)] = []
            continue
        out[str(nid)] = merge_ranges([[int(a), int(b)] for a, b in r2e[r0:r1]])
    return out, f"{iname}/{direction}/{n2r_name}"


def merge_ranges(rs):
    """libsonata's Selection returns ranges sorted by start with touching/overlapping ranges merged."""
    out = []
    for a, b in sorted(rs):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def ranges_from_raw(ids, node_ids):
    """Contiguous runs of edge rows whose source (or target) id == node, in edge order."""
    out = {}
    for nid in node_ids:
        w = np.nonzero(ids == nid)[0]
        if w.size == 0:
            out[str(nid)] = []
            continue
        brk = np.nonzero(np.diff(w) != 1)[0] + 1
        starts = np.concatenate(([0], brk))
        ends = np.concatenate((brk, [w.size]))
        out[str(nid)] = [[int(w[s]), int(w[e - 1]) + 1] for s, e in zip(starts, ends)]
    return out


def range_node_sample(n_nodes):
    if n_nodes <= N_RANGE_NODES:
        return list(range(n_nodes))
    return sorted(set(np.round(np.linspace(0, n_nodes - 1, N_RANGE_NODES)).astype(int).tolist()))


def _libsonata_copy_with_aliases(h5_path, pop):
    """Copy an edges file to a temp dir and add the spec names libsonata needs as hard links
    (indices -> indicies, node_id_to_ranges -> node_id_to_range). Data is unchanged."""
    import shutil
    import tempfile
    tmpdir = tempfile.mkdtemp(prefix="cv_ref_")
    tmp = os.path.join(tmpdir, os.path.basename(h5_path))
    shutil.copy(h5_path, tmp)
    os.chmod(tmp, 0o644)
    added = []
    with h5py.File(tmp, "r+") as f:
        g = f["edges"][pop]
        if "indices" not in g and "indicies" in g:
            g["indices"] = g["indicies"]
            added.append("indices->indicies")
        if "indices" in g:
            for d in g["indices"].values():
                if "node_id_to_range" in d and "node_id_to_ranges" not in d:
                    d["node_id_to_ranges"] = d["node_id_to_range"]
                    added.append(f"{d.name.split('/')[-1]}/node_id_to_ranges->node_id_to_range")
    return tmp, tmpdir, added


def edge_ranges(h5_path, pop, g, src, trg, n_src, n_trg):
    import shutil
    import libsonata
    eff_nodes = range_node_sample(n_src)
    aff_nodes = range_node_sample(n_trg)
    info = {}
    compressed = any_compressed(g)
    eff = aff = None
    _, ig = _index_group(g)
    if compressed:
        info["libsonata_skipped"] = f"gzip-compressed datasets ({len(compressed)}), the libsonata wheel has no deflate filter"
    elif ig is None:
        info["libsonata_skipped"] = "no indices group"
    elif "edge_type_id" not in g:
        info["libsonata_skipped"] = "no edge_type_id dataset (libsonata cannot open the population)"
    else:
        lib_path, tmpdir, added = h5_path, None, []
        if not all("node_id_to_ranges" in ig.get(d, {}) for d in ("source_to_target", "target_to_source")) \
                or "indices" not in g:
            lib_path, tmpdir, added = _libsonata_copy_with_aliases(h5_path, pop)
        try:
            ep = libsonata.EdgeStorage(lib_path).open_population(pop)
            eff = {str(n): [list(map(int, r)) for r in ep.efferent_edges(int(n)).ranges] for n in eff_nodes}
            aff = {str(n): [list(map(int, r)) for r in ep.afferent_edges(int(n)).ranges] for n in aff_nodes}
            info["ranges_source"] = "libsonata" + (
                f" (on a temporary copy with hard links added: {', '.join(added)})" if added else "")
        except Exception as e:
            info["libsonata_error"] = str(e)
        finally:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
    h_eff, eff_src = ranges_from_index(g, "source_to_target", eff_nodes)
    h_aff, aff_src = ranges_from_index(g, "target_to_source", aff_nodes)
    if eff is None:
        if h_eff is not None and h_aff is not None:
            eff, aff = h_eff, h_aff
            info["ranges_source"] = f"h5py index ({eff_src}, {aff_src}), then sorted and merged like libsonata"
        else:
            eff = ranges_from_raw(src, eff_nodes)
            aff = ranges_from_raw(trg, aff_nodes)
            info["ranges_source"] = "h5py raw source/target arrays (no usable index), contiguous runs in edge order"
    elif h_eff is not None and h_aff is not None:
        info["h5py_index_equals_libsonata"] = (h_eff == eff and h_aff == aff)
    # cross-check: same edge set as the raw arrays
    raw_e = ranges_from_raw(src, eff_nodes)
    raw_a = ranges_from_raw(trg, aff_nodes)

    def edge_set(rs):
        return sorted(e for a, b in rs for e in range(a, b))
    info["ranges_match_raw_edge_sets"] = all(edge_set(eff[k]) == edge_set(raw_e[k]) for k in eff) and \
        all(edge_set(aff[k]) == edge_set(raw_a[k]) for k in aff)
    info["ranges_equal_raw_runs"] = (eff == raw_e and aff == raw_a)
    return eff, aff, info


def edges_entry(h5_path, csv_path, root, node_counts):
    """Edges of one file; attributes via bmtk where possible, else h5py (+csv merge done here)."""
    out = {}
    bmtk_df = {}
    bmtk_err = None
    if csv_path is not None:
        try:
            from bmtk.utils.sonata import File
            f = File(data_files=[h5_path], data_type_files=[csv_path], require_magic=False)
            for pop in f.edges.population_names:
                po = f.edges[pop]
                bmtk_df[pop] = (po, po.to_dataframe())
        except Exception as e:
            bmtk_err = f"{type(e).__name__}: {e}"
    with h5py.File(h5_path, "r") as hf:
        for pop in sorted(hf["edges"].keys()):
            g = hf["edges"][pop]
            src = g["source_node_id"][()]
            trg = g["target_node_id"][()]
            E = int(src.size)
            ety = g["edge_type_id"][()] if "edge_type_id" in g else None
            egid = g["edge_group_id"][()] if "edge_group_id" in g else np.zeros(E, np.int64)
            spop = decode_attr(g["source_node_id"].attrs.get("node_population"))
            tpop = decode_attr(g["target_node_id"].attrs.get("node_population"))
            rows = sample_rows(E)
            ent = {"count": E, "source_population": spop, "target_population": tpop, "rows": jlist(rows),
                   "source_node_id": jlist(src[rows]), "target_node_id": jlist(trg[rows]),
                   "edge_type_id": jlist(ety[rows]) if ety is not None else None,
                   "file": rel(h5_path, root), "types_file": rel(csv_path, root) if csv_path else None,
                   "h5_groups": {gn: sorted(g[gn].keys()) for gn in first_group_ids(g)},
                   "index_group": _index_group(g)[0]}
            if spop is None or tpop is None:
                ent["note"] = "node_population attribute missing on source_node_id/target_node_id"
            attrs, sums, counts, dtypes = {}, {}, {}, {}
            if pop in bmtk_df:
                po, df = bmtk_df[pop]
                order = np.concatenate([np.nonzero(egid == int(gi))[0] for gi in po.group_ids])
                assert len(order) == len(df) == E
                assert np.array_equal(df["source_node_id"].to_numpy().astype(np.int64), src[order].astype(np.int64))
                assert np.array_equal(df["target_node_id"].to_numpy().astype(np.int64), trg[order].astype(np.int64))
                df.index = order
                df = df.sort_index()
                ent["attribute_source"] = "bmtk"
                ent["columns"] = sorted(df.columns)
                for c in df.columns:
                    col = df[c].to_numpy()
                    dtypes[c] = str(df[c].dtype)
                    s, k = exact_sum(col)
                    if s is not None:
                        sums[c], counts[c] = s, k
                    if c in ("source_node_id", "target_node_id", "edge_type_id", "source_population",
                             "target_population"):
                        continue
                    attrs[c] = [jv(v) for v in col[rows].tolist()]
            else:
                if csv_path is not None:
                    ent["bmtk_error"] = bmtk_err
                ent["attribute_source"] = "h5py" + (" (+edge_types.csv merged like bmtk)" if csv_path else "")
                cols = {}
                grp_names = first_group_ids(g)
                gidx = g["edge_group_index"][()] if "edge_group_index" in g else np.arange(E)
                for gn in grp_names:
                    for name, ds in g[gn].items():
                        if not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
                            continue
                        if name not in cols:
                            cols[name] = np.full(E, None, dtype=object)
                        m = egid == int(gn)
                        vals = ds[()]
                        cols[name][m] = vals[gidx[m]]
                if csv_path is not None and ety is not None:
                    from bmtk.utils.sonata.utils import load_csv
                    et = load_csv(csv_path).set_index("edge_type_id")
                    for c in et.columns:
                        if c in cols:
                            continue
                        cols[c] = et[c].reindex(ety).to_numpy()
                ent["columns"] = ["edge_type_id", "source_node_id", "target_node_id"] + list(cols)
                for c, v in cols.items():
                    arr = v
                    if arr.dtype == object and all(x is not None for x in arr):
                        try:
                            arr = np.array(arr.tolist())
                        except Exception:
                            pass
                    dtypes[c] = str(arr.dtype)
                    s, k = exact_sum(arr)
                    if s is not None:
                        sums[c], counts[c] = s, k
                    attrs[c] = [jv(x) for x in arr[rows].tolist()]
                for c, a in (("source_node_id", src), ("target_node_id", trg), ("edge_type_id", ety)):
                    if a is not None:
                        sums[c] = exact_sum(a)[0]
                        dtypes[c] = str(a.dtype)
            ent["attributes"] = attrs
            ent["sums"] = sums
            ent["non_missing_counts"] = counts
            ent["dtypes"] = dtypes
            n_src = node_counts.get(spop) or (int(src.max()) + 1 if E else 0)
            n_trg = node_counts.get(tpop) or (int(trg.max()) + 1 if E else 0)
            eff, aff, info = edge_ranges(h5_path, pop, g, src, trg, n_src, n_trg)
            ent["efferent"] = eff
            ent["afferent"] = aff
            ent["ranges_info"] = info
            out[pop] = ent
    return out


def edges_libsonata(h5_path, root):
    import libsonata
    out = {}
    st = libsonata.EdgeStorage(h5_path)
    with h5py.File(h5_path, "r") as hf:
        for pop in sorted(st.population_names):
            g = hf["edges"][pop]
            if "source_node_id" not in g:
                out[pop] = {"count": 0, "errors": {"source_node_id": "dataset missing in h5"},
                            "h5_contents": sorted(g.keys()), "file": rel(h5_path, root)}
                continue
            src = g["source_node_id"][()]
            trg = g["target_node_id"][()]
            E = int(src.size)
            rows = sample_rows(E)
            ent = {"count": E, "source_population": decode_attr(g["source_node_id"].attrs.get("node_population")),
                   "target_population": decode_attr(g["target_node_id"].attrs.get("node_population")),
                   "rows": jlist(rows), "source_node_id": jlist(src[rows]), "target_node_id": jlist(trg[rows]),
                   "edge_type_id": jlist(g["edge_type_id"][()][rows]), "attribute_source": "libsonata",
                   "file": rel(h5_path, root), "types_file": None, "errors": {},
                   "h5_groups": {gn: sorted(g[gn].keys()) for gn in first_group_ids(g)},
                   "index_group": _index_group(g)[0]}
            sums = {"source_node_id": exact_sum(src)[0], "target_node_id": exact_sum(trg)[0],
                    "edge_type_id": exact_sum(g["edge_type_id"][()])[0]}
            try:
                p = st.open_population(pop)
            except Exception as e:
                ent["errors"]["open_population"] = str(e)
                ent.update({"attributes": {}, "sums": sums, "efferent": {}, "afferent": {}})
                eff, aff, info = {}, {}, {}
                ent["efferent"] = ranges_from_raw(src, range_node_sample(int(src.max()) + 1 if E else 0))
                ent["afferent"] = ranges_from_raw(trg, range_node_sample(int(trg.max()) + 1 if E else 0))
                ent["ranges_info"] = {"ranges_source": "h5py raw source/target arrays (libsonata cannot open)"}
                out[pop] = ent
                continue
            sel_all = p.select_all()
            attrs, dtypes, enums, enum_values, dyn = {}, {}, {}, {}, {}
            for a in sorted(p.attribute_names):
                try:
                    full = np.asarray(p.get_attribute(a, sel_all))
                    dtypes[a] = str(full.dtype)
                    attrs[a] = jlist(full[rows]) if full.size == E else jlist(full)
                    if full.size != E:
                        ent["errors"][a] = f"libsonata returned {full.size} values for {E} edges"
                    s, _ = exact_sum(full)
                    if s is not None and full.dtype.kind != "O":
                        sums[a] = s
                except Exception as e:
                    attrs[a] = None
                    ent["errors"][a] = str(e)
            for a in sorted(p.enumeration_names):
                try:
                    enums[a] = jlist(np.asarray(p.get_enumeration(a, sel_all))[rows])
                    enum_values[a] = list(p.enumeration_values(a))
                except Exception as e:
                    ent["errors"]["enum:" + a] = str(e)
            for a in sorted(p.dynamics_attribute_names):
                try:
                    dyn[a] = jlist(np.asarray(p.get_dynamics_attribute(a, sel_all))[rows])
                except Exception as e:
                    ent["errors"]["dynamics:" + a] = str(e)
            n_src = int(src.max()) + 1 if E else 0
            n_trg = int(trg.max()) + 1 if E else 0
            eff, aff, info = edge_ranges(h5_path, pop, g, src, trg, n_src, n_trg)
            ent.update({"attributes": attrs, "sums": sums, "dtypes": dtypes, "enumerations": enum_values and enums,
                        "enumeration_values": enum_values, "dynamics_params": dyn, "columns": sorted(p.attribute_names),
                        "efferent": eff, "afferent": aff, "ranges_info": info})
            out[pop] = ent
    return out


# --------------------------------------------------------------------------- spikes
def spikes_file(path, root):
    import libsonata
    out = {}
    with h5py.File(path, "r") as hf:
        sp = hf["spikes"]
        old_layout = "gids" in sp and isinstance(sp["gids"], h5py.Dataset)
        root_attrs = {k: jv(decode_attr(v)) for k, v in hf.attrs.items()}
        if old_layout:
            nid = sp["gids"][()]
            ts = sp["timestamps"][()]
            pops = {"": (nid, ts, jv(decode_attr(sp.attrs.get("sorting"))), "h5py (old /spikes/gids layout)",
                         {"node_ids_dtype": str(nid.dtype), "timestamps_dtype": str(ts.dtype),
                          "group_attrs": {k: jv(decode_attr(v)) for k, v in sp.attrs.items()}})}
        else:
            pops = {}
            lib = None
            try:
                lib = libsonata.SpikeReader(path)
                lib_names = set(lib.get_population_names())
            except Exception as e:
                lib_names = set()
                lib_err = str(e)
            for pop in sorted(sp.keys()):
                g = sp[pop]
                nid_raw = g["node_ids"][()]
                ts_raw = g["timestamps"][()]
                sort_attr = g.attrs.get("sorting", g["node_ids"].attrs.get("sorting"))
                h5_meta = {"node_ids_dtype": str(nid_raw.dtype), "timestamps_dtype": str(ts_raw.dtype),
                           "group_attrs": {k: jv(decode_attr(v)) for k, v in g.attrs.items()},
                           "sorting_attr_h5_type": _attr_type(g, "sorting"),
                           "timestamps_units": jv(decode_attr(g["timestamps"].attrs.get("units")))}
                reader = None
                if pop in lib_names:
                    try:
                        sp_l = lib[pop]
                        got = sp_l.get()
                        nid = np.array([a for a, _ in got], dtype=np.uint64)
                        ts = np.array([b for _, b in got], dtype=np.float64)
                        sorting = sp_l.sorting
                        reader = "libsonata"
                        h5_meta["libsonata_times"] = jv(list(sp_l.times))
                        h5_meta["libsonata_time_units"] = sp_l.time_units
                        h5_meta["libsonata_order_equals_file_order"] = bool(
                            np.array_equal(nid, nid_raw.astype(np.uint64)) and np.array_equal(ts, ts_raw))
                    except Exception as e:
                        h5_meta["libsonata_error"] = str(e)
                elif lib is None:
                    h5_meta["libsonata_error"] = lib_err
                if reader is None:
                    nid, ts = nid_raw, ts_raw
                    sorting = jv(decode_attr(sort_attr)) if not isinstance(sort_attr, (np.integer, int)) else \
                        {0: "none", 1: "by_id", 2: "by_time"}.get(int(sort_attr), int(sort_attr))
                    reader = "h5py"
                pops[pop] = (nid, ts, sorting, reader, h5_meta)
    for pop, (nid, ts, sorting, reader, meta) in pops.items():
        n = int(nid.size)
        rows = sample_rows(n)
        ent = {"count": n, "t_first": jv(ts[0]) if n else None, "t_last": jv(ts[-1]) if n else None,
               "t_min": jv(ts.min()) if n else None, "t_max": jv(ts.max()) if n else None,
               "sorting": sorting, "rows": jlist(rows), "node_ids": jlist(nid[rows]), "timestamps": jlist(ts[rows]),
               "sum_node_ids": exact_sum(nid)[0], "sum_timestamps": exact_sum(ts)[0],
               "n_unique_node_ids": int(np.unique(nid).size), "reader": reader, "file": rel(path, root)}
        ent.update(meta)
        out[pop] = ent
    return out, root_attrs


# --------------------------------------------------------------------------- reports
def report_entries(path, root):
    out = {}
    base = os.path.basename(path)
    with h5py.File(path, "r") as hf:
        items = []
        if "report" in hf:
            for pop in sorted(hf["report"].keys()):
                g = hf["report"][pop]
                if "data" not in g or "mapping" not in g:
                    out[f"{base}/{pop}"] = {"error": "empty report population (no data/mapping)", "file": rel(path, root),
                                            "contents": sorted(g.keys())}
                    continue
                items.append((pop, g["data"], g["mapping"], "spec (/report/<pop>/data + mapping)"))
        elif "mapping" in hf:  # old bmtk cellvar layout: /mapping + /<var>/data
            for var in sorted(k for k in hf.keys() if k != "mapping" and isinstance(hf[k], h5py.Group) and "data" in hf[k]):
                items.append((var, hf[var]["data"], hf["mapping"], "old bmtk cellvar (/mapping + /<variable>/data)"))
        for pop, ds, m, layout in items:
            data = ds[()]
            if data.ndim == 1:
                data = data[:, None]
            n_frames, n_el = data.shape
            node_key = "node_ids" if "node_ids" in m else ("gids" if "gids" in m else None)
            ip_key = "index_pointers" if "index_pointers" in m else ("index_pointer" if "index_pointer" in m else None)
            el_key = "element_ids" if "element_ids" in m else ("element_id" if "element_id" in m else None)
            time = m["time"][()] if "time" in m else None
            node_ids = m[node_key][()] if node_key else np.zeros(0)
            els = sorted(set(np.round(np.linspace(0, n_el - 1, min(N_REPORT_ELEMENTS, n_el))).astype(int).tolist()))
            frames_idx = sorted(set([0, n_frames // 2, n_frames - 1]))
            frames = {str(fi): {str(ei): jv(data[fi, ei]) for ei in els} for fi in frames_idx}
            ent = {"n_nodes": int(node_ids.size), "n_elements": int(n_el), "n_frames": int(n_frames),
                   "t_start": jv(time[0]) if time is not None else None,
                   "t_stop": jv(time[1]) if time is not None else None,
                   "dt": jv(time[2]) if time is not None else None,
                   "node_ids": jlist(node_ids), "frames": frames,
                   "element_ids": jlist(m[el_key][()]) if el_key else None,
                   "index_pointers": jlist(m[ip_key][()]) if ip_key else None,
                   "mapping_names": {"node_ids": node_key, "index_pointers": ip_key, "element_ids": el_key},
                   "data_dtype": str(ds.dtype), "data_shape": list(ds.shape),
                   "data_attrs": {k: jv(decode_attr(v)) for k, v in ds.attrs.items()},
                   "sum_all": math.fsum(data.astype(np.float64).ravel().tolist()),
                   "layout": layout, "reader": "h5py", "file": rel(path, root)}
            out[f"{base}/{pop}"] = ent
    return out


# --------------------------------------------------------------------------- drivers
def types_for(h5_path):
    csv = h5_path[:-len("_nodes.h5")] + "_node_types.csv" if h5_path.endswith("_nodes.h5") else \
        h5_path[:-len("_edges.h5")] + "_edge_types.csv"
    return csv if os.path.exists(csv) else None


def network_reference(netdir, root, name):
    ref = {"source": rel(netdir, root), "source_root": "fixtures" if root != TESTS_DATA else "tests/data",
           "tool_versions": tool_versions(), "nodes": {}, "edges": {}, "reports": {}, "spike_files": {},
           "skipped": {}}
    node_files = sorted(glob.glob(os.path.join(netdir, "**", "*_nodes.h5"), recursive=True))
    edge_files = sorted(glob.glob(os.path.join(netdir, "**", "*_edges.h5"), recursive=True))
    node_counts = {}
    for nf in node_files:
        csv = types_for(nf)
        try:
            ents = nodes_bmtk(nf, csv, netdir) if csv else nodes_libsonata(nf, netdir)
        except Exception as e:
            traceback.print_exc()
            ref["skipped"][rel(nf, netdir)] = f"bmtk failed: {type(e).__name__}: {e}"
            ents = nodes_libsonata(nf, netdir)
        for pop, ent in ents.items():
            ref["nodes"][pop] = ent
            node_counts[pop] = ent["count"]
    for ef in edge_files:
        ents = edges_entry(ef, types_for(ef), netdir, node_counts)
        ref["edges"].update(ents)
    return ref


def find_h5(netdir):
    spikes, reports = [], []
    for p in sorted(glob.glob(os.path.join(netdir, "**", "*.h5"), recursive=True)):
        with h5py.File(p, "r") as hf:
            if "spikes" in hf:
                spikes.append(p)
            elif "report" in hf or ("mapping" in hf and len(hf.keys()) > 1):
                reports.append(p)
    return spikes, reports


def write_json(outdir, name, obj, index):
    path = os.path.join(outdir, name + ".json")
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"), allow_nan=False, sort_keys=True)
    index[name] = {"source": obj["source"], "source_root": obj.get("source_root"), "bytes": os.path.getsize(path),
                   "kinds": [k for k in ("nodes", "edges", "spikes", "reports") if obj.get(k)]}
    print(f"  wrote {name}.json ({os.path.getsize(path) / 1024:.1f} KiB)", flush=True)


def slug(s):
    return s.replace("/", "__").replace(".h5", "").replace("-", "_")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default="/work/shared/fixtures")
    ap.add_argument("--out", default=os.path.join(TESTS_DATA, "references"))
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    fx = args.fixtures
    os.makedirs(args.out, exist_ok=True)

    networks = []  # (name, dir, root)
    for d in ["300_pointneurons", "300_intfire", "9_cells", "5_cells_iclamp", "layer4_sample", "300_cells"]:
        if os.path.isdir(os.path.join(fx, "sonata-examples", d)):
            networks.append((f"sonata_{d}", os.path.join(fx, "sonata-examples", d), fx))
    for d in sorted(glob.glob(os.path.join(fx, "sonata-examples", "sim_tests", "intfire", "*"))):
        if os.path.isdir(d):
            networks.append((f"sonata_sim_tests_intfire_{os.path.basename(d)}", d, fx))
    for d in ["point_120cells", "point_450cells", "point_450glifs"]:
        if os.path.isdir(os.path.join(fx, "bmtk-examples", d)):
            networks.append((f"bmtk_{d}", os.path.join(fx, "bmtk-examples", d), fx))
    for d in sorted(glob.glob(os.path.join(TESTS_DATA, "v1_like_*"))) + [os.path.join(TESTS_DATA, "bmtk_quirks")]:
        if os.path.isdir(d):
            networks.append((os.path.basename(d), d, TESTS_DATA))

    index_path = os.path.join(args.out, "index.json")
    index = {}
    if args.only and os.path.exists(index_path):
        index = json.load(open(index_path))

    def wanted(name):
        return not args.only or any(o in name for o in args.only)

    for name, d, root in networks:
        if not wanted(name):
            continue
        print(f"[ref] {name}: {d}", flush=True)
        ref = network_reference(d, root, name)
        ref["source"] = rel(d, root)
        spikes, reports = find_h5(d)
        for rp in reports:
            ref["reports"].update(report_entries(rp, d))
        for sp in spikes:
            sname = f"spikes_{name}__{slug(rel(sp, d))}"
            if not wanted(sname):
                continue
            sref, root_attrs = spikes_file(sp, d)
            ref["spike_files"][rel(sp, d)] = sname
            write_json(args.out, sname, {"source": rel(sp, root), "source_root": ref["source_root"],
                                         "tool_versions": ref["tool_versions"], "spikes": sref,
                                         "root_attrs": root_attrs}, index)
        write_json(args.out, name, ref, index)

    # libsonata test data: one file each
    lsd = os.path.join(fx, "libsonata-data")
    for fn, kind in [("nodes1.h5", "nodes"), ("edges1.h5", "edges"), ("spikes.h5", "spikes"), ("somas.h5", "reports")]:
        p = os.path.join(lsd, fn)
        name = "libsonata_" + fn[:-3]
        if not os.path.exists(p) or not wanted(name):
            continue
        print(f"[ref] {name}", flush=True)
        ref = {"source": rel(p, fx), "source_root": "fixtures", "tool_versions": tool_versions()}
        if kind == "nodes":
            ref["nodes"] = nodes_libsonata(p, lsd)
        elif kind == "edges":
            ref["edges"] = edges_libsonata(p, lsd)
        elif kind == "spikes":
            ref["spikes"], ref["root_attrs"] = spikes_file(p, lsd)
        else:
            ref["reports"] = report_entries(p, lsd)
        write_json(args.out, name, ref, index)

    # stand-alone edge index example (no node_population attrs, no types csv)
    p = os.path.join(fx, "sonata-examples", "edges", "edge_index_example.h5")
    if os.path.exists(p) and wanted("sonata_edge_index_example"):
        print("[ref] sonata_edge_index_example", flush=True)
        ref = {"source": rel(p, fx), "source_root": "fixtures", "tool_versions": tool_versions(),
               "edges": edges_entry(p, None, os.path.dirname(p), {})}
        write_json(args.out, "sonata_edge_index_example", ref, index)

    with open(index_path, "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    total = sum(v["bytes"] for v in index.values())
    print(f"[ref] {len(index)} files, {total / 1e6:.2f} MB total -> {args.out}")


if __name__ == "__main__":
    main()
