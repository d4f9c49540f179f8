#!/usr/bin/env python3
"""Expected synapse positions of two 9_cells targets, read with h5py (tests/view_synapses.rs).

BMTK's `pos_x/y/z` are the target's node position plus the synapse's offset from the soma in
the unrotated morphology file, with `pos_z - z` holding x's offset (a builder quirk); the z
offset is taken from the neurite under (x, y) in the file's xy projection (nearest segment),
the soma centre counting as a point. 9_cells has no rotations, so world = node + offset.

Usage: make_synapse_refs.py FIXTURES_DIR OUT.json
"""
import csv
import json
import sys

import h5py
import numpy as np

root = sys.argv[1] + "/sonata-examples"
out_path = sys.argv[2]
TARGETS = [0, 3]


def swc(path):
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    a = np.array([[float(x) for x in r[:7]] for r in rows])
    index = {int(r[0]): i for i, r in enumerate(a)}
    soma = a[a[:, 1] == 1][:, 2:5].mean(0)
    # Neurite segments; a root point is joined to the soma centre.
    segs = [
        (soma if a[index[int(r[6])], 1] == 1 else a[index[int(r[6])], 2:5], r[2:5])
        for r in a
        if int(r[6]) != -1 and r[1] != 1
    ]
    return soma, np.array([s[0] for s in segs]), np.array([s[1] for s in segs])


def z_under(soma, A, B, x, y):
    d = (B - A)[:, :2]
    len2 = (d * d).sum(1)
    p = np.array([x, y])
    t = np.clip(((p - A[:, :2]) * d).sum(1) / np.where(len2 > 0, len2, 1), 0, 1)
    t = np.where(len2 > 0, t, 0)
    c = A[:, :2] + t[:, None] * d
    d2 = ((c - p) ** 2).sum(1)
    k = int(np.argmin(d2))
    if ((soma[:2] - p) ** 2).sum() <= d2[k]:
        return soma[2]
    return A[k, 2] + t[k] * (B[k, 2] - A[k, 2])


net = root + "/9_cells/network"
types = {r["node_type_id"]: r for r in csv.DictReader(open(net + "/cortex_node_types.csv"), delimiter=" ")}
nodes = h5py.File(net + "/cortex_nodes.h5")["nodes/cortex"]
out = {"circuit": "sonata-examples/9_cells", "population": "cortex", "targets": []}
for node in TARGETS:
    row = nodes["node_group_index"][node]
    pos = np.array([nodes["0"][k][row] for k in "xyz"])
    morph = types[str(nodes["node_type_id"][node])]["morphology"]
    soma, A, B = swc(f"{root}/shared_components/morphologies/{morph}.swc")
    synapses = []
    for f, pop in [("excvirt_cortex", "excvirt_to_cortex"), ("inhvirt_cortex", "inhvirt_to_cortex")]:
        e = h5py.File(f"{net}/{f}_edges.h5")["edges/" + pop]
        src_pop = e["source_node_id"].attrs["node_population"]
        src_pop = src_pop.decode() if isinstance(src_pop, bytes) else str(src_pop)
        target = e["target_node_id"][:]
        group_index = e["edge_group_index"][:]
        stored = {k: e["0"][k][:] for k in ("pos_x", "pos_y", "pos_z")}
        for edge in np.nonzero(target == node)[0]:
            g = group_index[edge]
            p = [float(stored[k][g]) for k in ("pos_x", "pos_y", "pos_z")]
            off = np.array(p) - pos
            local_z = z_under(soma, A, B, soma[0] + off[0], soma[1] + off[1])
            world = [p[0], p[1], float(pos[2] + local_z - soma[2])]
            synapses.append({
                "edge_population": pop,
                "edge_id": int(edge),
                "source_population": src_pop,
                "source_node": int(e["source_node_id"][edge]),
                "stored": p,
                "world": world,
            })
    out["targets"].append({"node_id": int(node), "position": pos.tolist(), "morphology": morph, "synapses": synapses})
with open(out_path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
print(out_path, sum(len(t["synapses"]) for t in out["targets"]), "synapses")
