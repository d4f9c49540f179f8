#!/usr/bin/env python3
"""A compartment report for sonata-examples/9_cells, written with h5py, and what it holds where.

NEURON is not installed with the peers, so BMTK BioNet cannot run 9_cells here: this report is
synthetic. It has the layout BMTK and neurodamus write (`/report/cortex/data` time x element,
`mapping/{node_ids, index_pointer, element_ids, element_pos, time}`) and a value at every
segment of every section of the nine cells: a wave of depolarisation that starts at the soma
and travels out along the dendrites and the axon,

    v(t, segment) = -70 + 80 * exp(-((d - 4 t) / 40)^2)   mV,

d the segment centre's path distance from the soma (um), t in ms.

Section numbering (element_ids), as NEURON numbers a cell's sections when a morphology is
instantiated (soma, axon, dend, apic arrays) and neurodamus reports them: 0 is the soma, then
the axon sections, the basal dendrites and the apical dendrites (then custom types), each group
in MorphIO's depth-first order of the file. Each section has nseg = 1 + 2 * floor(L / 40)
segments (odd, about 40 um long), one element per segment at its centre,
element_pos = (k + 0.5) / nseg; the soma has one element at 0.5.

The sections are cut from the SWC file as MorphIO cuts them (checked here against the MorphIO
reference in tests/data/morphology/neurom_reference.json).

Run from the project root with the peers' venv:

    $HOME/.cache/cortexview-peers/venv/bin/python scripts/compartment_reports/make_9_cells_compartments.py

Writes tests/data/compartment_report/v_compartments.h5 and expected.json (for nodes 0 and 4:
MorphIO section index -> element id, nseg and the values of its segments at one frame).
"""

import csv
import json
import math
import os
import pathlib

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(os.environ.get("CORTEXVIEW_FIXTURES", ROOT.parent / "shared/fixtures"))
NINE = FIXTURES / "sonata-examples/9_cells"
MORPHOLOGIES = FIXTURES / "sonata-examples/shared_components/morphologies"
OUT = ROOT / "tests/data/compartment_report"

T_START, T_STOP, DT = 0.0, 120.0, 2.0
CHECK_FRAME = 20
TYPE_ORDER = {2: 0, 3: 1, 4: 2}


def read_swc(path):
    samples = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        f = line.split()
        samples.append((int(f[0]), int(f[1]), np.array(list(map(float, f[2:5])), dtype=np.float32),
                        float(f[5]), int(f[6])))
    index = {s[0]: i for i, s in enumerate(samples)}
    children = [[] for _ in samples]
    parent = []
    for i, s in enumerate(samples):
        p = index.get(s[4])
        parent.append(p)
        if p is not None:
            children[p].append(i)
    return samples, parent, children


def morphio_sections(path):
    """Sections as MorphIO cuts an SWC file: (type, points) in depth-first order."""
    samples, parent, children = read_swc(path)
    is_soma = [s[1] == 1 for s in samples]
    sections = []

    def assemble(first):
        stack = [(first, None)]
        while stack:
            sample, start = stack.pop()
            points = []
            if start is not None and not np.array_equal(samples[sample][2], start):
                points.append(start)
            i = sample
            while len(children[i]) == 1:
                points.append(samples[i][2])
                i = children[i][0]
            points.append(samples[i][2])
            sections.append((samples[i][1], np.array(points, dtype=np.float64)))
            for c in reversed(children[i]):
                stack.append((c, samples[i][2]))

    for root in range(len(samples)):
        if parent[root] is None or is_soma[root]:
            if is_soma[root]:
                for c in children[root]:
                    if not is_soma[c]:
                        assemble(c)
            elif children[root]:
                assemble(root)
    return sections


def check_against_morphio(name, sections):
    ref = json.loads((ROOT / "tests/data/morphology/neurom_reference.json").read_text())
    key = f"fixtures/sonata-examples/shared_components/morphologies/{name}"
    want = ref["files"][key]["morphio"]["sections"]
    assert len(want) == len(sections), (name, len(want), len(sections))
    for w, (ty, pts) in zip(want, sections):
        assert w["type"] == ty and w["n_points"] == len(pts), (name, w, ty, len(pts))
        assert np.allclose(w["first"], pts[0], atol=1e-4) and np.allclose(w["last"], pts[-1], atol=1e-4)


def path_distances(path, sections):
    """Path distance from the soma of each section's first point (parents come first)."""
    samples, parent, children = read_swc(path)
    start = []
    ends = {}
    for ty, pts in sections:
        key = tuple(np.round(pts[0], 4))
        d0 = ends.get(key, 0.0)
        length = float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1)))
        start.append((d0, length))
        ends[tuple(np.round(pts[-1], 4))] = d0 + length
    return start


def cell_elements(path):
    sections = morphio_sections(path)
    check_against_morphio(path.name, sections)
    distances = path_distances(path, sections)
    order = sorted(range(len(sections)), key=lambda i: (TYPE_ORDER.get(sections[i][0], 3), i))
    elements = [(0, 0.5, 0.0)]  # (element id, pos, path distance)
    layout = {}
    for rank, i in enumerate(order):
        sid = rank + 1
        d0, length = distances[i]
        nseg = 1 + 2 * int(length // 40.0)
        layout[i] = (sid, nseg)
        for k in range(nseg):
            pos = (k + 0.5) / nseg
            elements.append((sid, pos, d0 + pos * length))
    return elements, layout


def value(t, d):
    return -70.0 + 80.0 * math.exp(-(((d - 4.0 * t) / 40.0) ** 2))


def main():
    with open(NINE / "network/cortex_node_types.csv") as f:
        types = {int(r["node_type_id"]): r["morphology"] for r in csv.DictReader(f, delimiter=" ")}
    with h5py.File(NINE / "network/cortex_nodes.h5") as h:
        node_ids = h["nodes/cortex/node_id"][:]
        type_ids = h["nodes/cortex/node_type_id"][:]
    times = np.arange(T_START, T_STOP, DT)
    ids, pos, ptr, dist = [], [], [0], []
    expected = {"frame": CHECK_FRAME, "t_ms": float(times[CHECK_FRAME]), "nodes": {}}
    for node, ty in zip(node_ids, type_ids):
        path = MORPHOLOGIES / (types[int(ty)] + ".swc")
        elements, layout = cell_elements(path)
        ids += [e[0] for e in elements]
        pos += [e[1] for e in elements]
        dist += [e[2] for e in elements]
        ptr.append(len(ids))
        if int(node) in (0, 4):
            first = ptr[-2]
            sections = {}
            for i, (sid, nseg) in sorted(layout.items()):
                if i % 7 != 0:
                    continue
                cols = [first + j for j, e in enumerate(elements) if e[0] == sid]
                sections[str(i)] = {
                    "element_id": sid,
                    "nseg": nseg,
                    "values": [value(times[CHECK_FRAME], dist[c]) for c in cols],
                }
            expected["nodes"][str(int(node))] = {
                "morphology": path.name,
                "soma_value": value(times[CHECK_FRAME], 0.0),
                "sections": sections,
            }
    dist = np.array(dist)
    data = np.array([[value(t, d) for d in dist] for t in times], dtype=np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    with h5py.File(OUT / "v_compartments.h5", "w") as h:
        g = h.create_group("report/cortex")
        ds = g.create_dataset("data", data=data, compression="gzip")
        ds.attrs["units"] = "mV"
        ds.attrs["variable"] = "v"
        m = g.create_group("mapping")
        m.create_dataset("node_ids", data=node_ids.astype(np.uint64))
        m.create_dataset("index_pointer", data=np.array(ptr, dtype=np.uint64))
        m.create_dataset("element_ids", data=np.array(ids, dtype=np.uint64))
        m.create_dataset("element_pos", data=np.array(pos, dtype=np.float64))
        m.create_dataset("time", data=np.array([T_START, T_STOP, DT]))
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{len(ids)} elements, {len(times)} frames -> {OUT}")


if __name__ == "__main__":
    main()
