#!/usr/bin/env python3
"""Reference numbers for cortexview's morphology layer, made by the peers themselves.

Run from the project root with the peers' venv (bmtk, h5py, neurom, morphio from PyPI):

    $HOME/.cache/cortexview-peers/venv/bin/python scripts/morphology_references/make_refs.py

Writes, under tests/data/morphology/:
  neurom_reference.json   per SWC file: MorphIO's soma type and points, sections (offset, type,
                          parent), point counts; NeuroM's total length, by type, section count.
  <name>.h5               MorphIO H5 v1 files written by MorphIO from the SWC files. A single-point
                          soma cannot be stored in H5 (MorphIO refuses to read a one-point contour),
                          so those somata are written as a 12-point contour circle of the same
                          radius in the xy plane (what morph-tool's conversion does, by hand here).
  bmtk_placement.json     BMTK's own `Morphology.move_and_rotate` (bmtk.simulator.bionet.morphology,
                          with NEURON stubbed out: the function is pure numpy) applied to known points
                          of fixture cells of sonata-examples/layer4_sample (rotation_angle_yaxis
                          from the h5, rotation_angle_zaxis from node_types.csv).
"""

import csv
import importlib.metadata
import json
import math
import pathlib
import sys
import types
from unittest import mock

import h5py
import morphio
import neurom
import numpy as np
from neurom import NeuriteType

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = (ROOT / ".." / "shared" / "fixtures").resolve()
OUT = ROOT / "tests" / "data" / "morphology"
MORPH_DIR = FIXTURES / "sonata-examples" / "shared_components" / "morphologies"

morphio.set_maximum_warnings(0)


def rel_name(path: pathlib.Path) -> str:
    """Name of an SWC file as the Rust tests look it up."""
    try:
        return "fixtures/" + str(path.relative_to(FIXTURES))
    except ValueError:
        return "data/" + str(path.relative_to(OUT))


def morphio_facts(path: pathlib.Path) -> dict:
    m = morphio.Morphology(str(path))
    sections = [
        {
            "type": int(s.type),
            "parent": (s.parent.id if not s.is_root else -1),
            "n_points": int(len(s.points)),
            "first": [float(v) for v in s.points[0]],
            "last": [float(v) for v in s.points[-1]],
        }
        for s in m.iter()
    ]
    return {
        "soma_type": str(m.soma_type),
        "soma_points": int(len(m.soma.points)),
        "soma_center": [float(v) for v in m.soma.center],
        "n_points": int(len(m.points)),
        "n_sections": int(len(m.sections)),
        "sections": sections,
    }


def neurom_facts(path: pathlib.Path) -> dict:
    m = neurom.load_morphology(str(path))
    by_type = {}
    for name, nt in [
        ("axon", NeuriteType.axon),
        ("basal_dendrite", NeuriteType.basal_dendrite),
        ("apical_dendrite", NeuriteType.apical_dendrite),
    ]:
        by_type[name] = float(neurom.get("total_length", m, neurite_type=nt))
    return {
        "total_length": float(neurom.get("total_length", m)),
        "total_length_by_type": by_type,
        "number_of_sections": int(neurom.get("number_of_sections", m)),
        "number_of_neurites": int(neurom.get("number_of_neurites", m)),
    }


def write_h5(swc: pathlib.Path, out: pathlib.Path) -> str:
    m = morphio.mut.Morphology(str(swc))
    note = "soma as read"
    if len(m.soma.points) < 3:
        centre = np.asarray(m.soma.points[0], dtype=float)
        radius = float(m.soma.diameters[0]) / 2.0
        angles = np.linspace(0.0, 2.0 * math.pi, 12, endpoint=False)
        contour = [
            [centre[0] + radius * math.cos(a), centre[1] + radius * math.sin(a), centre[2]]
            for a in angles
        ]
        m.soma.points = contour
        m.soma.diameters = [0.0] * len(contour)
        note = "single-point soma written as a 12-point contour of its radius (xy plane)"
    m.write(str(out))
    return note


def bmtk_move_and_rotate(points: np.ndarray, soma: np.ndarray, xyz, angles) -> np.ndarray:
    """Runs BMTK's own move_and_rotate on `points` (N x 3) as its segment coordinates."""
    sys.modules.setdefault("neuron", mock.MagicMock())
    from bmtk.simulator.bionet.morphology import Morphology  # noqa: E402

    cols = points.T.copy()
    fake = types.SimpleNamespace(
        hobj=None,
        seg_coords=types.SimpleNamespace(p0=cols, p1=cols.copy(), p05=cols.copy(), d=None),
        soma_position=soma.copy(),
    )
    Morphology.move_and_rotate(fake, soma_coords=np.asarray(xyz, dtype=float),
                               rotation_angles=list(angles), inplace=True)
    return fake._seg_coords.p0.T


def placement_reference() -> dict:
    base = FIXTURES / "sonata-examples" / "layer4_sample" / "network"
    types_csv = {}
    with open(base / "l4_node_types.csv") as f:
        for row in csv.DictReader(f, delimiter=" "):
            types_csv[int(row["node_type_id"])] = row
    cells = []
    with h5py.File(base / "l4_nodes.h5", "r") as f:
        g = f["nodes/l4"]
        type_ids = g["node_type_id"][:]
        rows = []
        for type_id in sorted(set(int(t) for t in type_ids)):
            if types_csv[type_id]["morphology"] not in ("NULL", "NONE"):
                # The first two cells of each type with a morphology.
                rows += [int(r) for r in np.nonzero(type_ids == type_id)[0][:2]]
        for row in rows:
            type_id = int(type_ids[row])
            trow = types_csv[type_id]
            morph_name = trow["morphology"]
            group_index = int(g["node_group_index"][row])
            grp = g[str(int(g["node_group_id"][row]))]
            xyz = [float(grp[c][group_index]) for c in ("x", "y", "z")]

            def angle(name):
                if name in grp:
                    return float(grp[name][group_index])
                value = trow.get(name)
                return float(value) if value not in (None, "NULL", "NONE") else 0.0

            angles = [angle("rotation_angle_xaxis"), angle("rotation_angle_yaxis"),
                      angle("rotation_angle_zaxis")]
            swc = MORPH_DIR / (morph_name + ".swc")
            m = morphio.Morphology(str(swc))
            soma = np.asarray(m.soma.center, dtype=float)
            # Known points: the soma centre, first and last point of the first five sections.
            local = [soma]
            for s in list(m.iter())[:5]:
                local.append(np.asarray(s.points[0], dtype=float))
                local.append(np.asarray(s.points[-1], dtype=float))
            local = np.vstack(local)
            world = bmtk_move_and_rotate(local, soma, xyz, angles)
            cells.append({
                "node_id": int(g["node_id"][row]),
                "morphology": morph_name + ".swc",
                "xyz": xyz,
                "rotation_angles_xyz": angles,
                "soma_center": soma.tolist(),
                "local_points": local.tolist(),
                "world_points": world.tolist(),
            })
    return {
        "source": "bmtk.simulator.bionet.morphology.Morphology.move_and_rotate "
                  "(bmtk " + __import__("bmtk").__version__ + "), NEURON stubbed",
        "cells": cells,
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    swcs = sorted(FIXTURES.rglob("*.swc")) + sorted(OUT.glob("*.swc"))
    files = {}
    for swc in swcs:
        name = rel_name(swc)
        entry = {"morphio": morphio_facts(swc), "neurom": neurom_facts(swc)}
        h5_name = swc.stem + ".h5"
        entry["h5"] = h5_name
        entry["h5_note"] = write_h5(swc, OUT / h5_name)
        files[name] = entry
        print(f"{name}: {entry['neurom']['total_length']:.3f} um, "
              f"{entry['morphio']['n_sections']} sections")
    reference = {
        "versions": {"neurom": neurom.__version__, "morphio": importlib.metadata.version("morphio")},
        "files": files,
    }
    (OUT / "neurom_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    (OUT / "bmtk_placement.json").write_text(json.dumps(placement_reference(), indent=1) + "\n")


if __name__ == "__main__":
    main()
