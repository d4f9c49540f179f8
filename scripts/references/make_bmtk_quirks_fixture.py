#!/usr/bin/env python3
"""Write tests/data/bmtk_quirks/: a tiny hand-made SONATA node file that exercises the corners of
bmtk's node-table merge (two node groups with different columns, an @library enumeration, a
dynamics_params subgroup, a 2-D column, vlen strings, CSV NULL/NONE and quoted values, a CSV column
overridden by an h5 column in one group only). make_references.py then records what bmtk makes of it
(tests/data/references/bmtk_quirks.json). Deterministic; run in the peers venv.
"""
import os
import h5py
import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "data", "bmtk_quirks", "network")
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "quirks_node_types.csv"), "w") as f:
    f.write("node_type_id model_type model_template attr_csv_only x quoted dynamics_params\n")
    f.write('1 biophysical NULL 1.5 100.0 "a b" cell1.json\n')
    f.write("2 point_process nest:iaf_psc_alpha NONE 200.0 NULL NONE\n")
    f.write('3 virtual NONE NULL NULL "c" NULL\n')
path = os.path.join(OUT, "quirks_nodes.h5")
with h5py.File(path, "w") as f:
    f.attrs["magic"] = np.uint32(0x0A7A)
    f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
    g = f.create_group("nodes/quirks")
    g["node_id"] = np.arange(5, dtype=np.uint64)
    g["node_type_id"] = np.array([1, 2, 3, 1, 2], dtype=np.uint64)
    g["node_group_id"] = np.array([0, 0, 1, 1, 0], dtype=np.uint32)
    g["node_group_index"] = np.array([0, 1, 0, 1, 2], dtype=np.uint64)
    g0 = g.create_group("0")
    g0["x"] = np.array([1.0, 2.0, 3.0])
    g0["etype"] = np.array([0, 1, 0], dtype=np.int64)
    g0.create_group("@library")["etype"] = np.array([b"A", b"B"], dtype=h5py.string_dtype())
    g0.create_group("dynamics_params")["g_bar"] = np.array([0.1, 0.2, 0.3])
    g0["pos"] = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    g1 = g.create_group("1")
    g1["y"] = np.array([10, 20], dtype=np.int32)
    g1["name"] = np.array([b"u", b"v"], dtype=h5py.string_dtype())
print("wrote", path)
