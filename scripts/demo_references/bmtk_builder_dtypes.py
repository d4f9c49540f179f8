"""What BMTK's own NetworkBuilder writes, dtypes included: a tiny network built like the demo
export (a point-neuron population with positions, virtual input populations, edges with a
syn_weight in edge_types.csv, delay and nsyns per edge), saved by BMTK, and every dataset's
and attribute's type listed. The export must write the same types: BMTK PointNet computes
syn_weight x nsyns in numpy, and an integer syn_weight next to a uint32 nsyns does not run.

usage: python scripts/demo_references/bmtk_builder_dtypes.py OUT.json   (the peers' venv)
"""
import json
import os
import sys
import tempfile

import bmtk
import h5py
import numpy as np
from bmtk.builder import NetworkBuilder


def build(folder):
    v1 = NetworkBuilder("v1")
    rng = np.random.default_rng(1)
    v1.add_nodes(N=4, x=rng.uniform(0, 100, 4), y=rng.uniform(0, 100, 4),
                 z=rng.uniform(0, 100, 4), pop_name="e4", layer="L4", ei="e",
                 model_type="point_neuron", model_template="nest:iaf_psc_alpha",
                 dynamics_params="e4.json")
    lgn = NetworkBuilder("lgn")
    lgn.add_nodes(N=3, pop_name="lgn", ei="e", model_type="virtual")
    # a weight that is a whole number, as the demo's are, and a delay per edge (the demo's
    # delays grow with distance), added as BMTK's examples add them
    cm = v1.add_edges(source=v1.nodes(), target=v1.nodes(), connection_rule=1,
                      syn_weight=-120.0, dynamics_params="inh.json",
                      model_template="static_synapse")
    cm.add_properties("delay", rule=lambda src, trg: 1.0 + 0.01 * abs(src["x"] - trg["x"]),
                      dtypes=np.float64)
    v1.add_edges(source=lgn.nodes(), target=v1.nodes(), connection_rule=2,
                 syn_weight=40.0, delay=1.0, dynamics_params="exc.json",
                 model_template="static_synapse")
    for net in (v1, lgn):
        net.build()
        net.save(output_dir=folder)


def h5_types(path):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out["/" + name] = {"dtype": obj.dtype.str if obj.dtype.kind != "O" else "str",
                               "shape_rank": len(obj.shape)}
        for key, value in obj.attrs.items():
            kind = np.asarray(value).dtype
            out["/" + name + "@" + key] = {"dtype": kind.str if kind.kind not in "OU" else "str"}

    with h5py.File(path, "r") as f:
        for key, value in f.attrs.items():
            out["/@" + key] = {"dtype": np.asarray(value).dtype.str}
        f.visititems(visit)
    return out


def main():
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        build(folder)
        files = {}
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.endswith(".h5"):
                files[name] = h5_types(path)
            elif name.endswith(".csv"):
                with open(path) as f:
                    files[name] = {"text": f.read().splitlines()}
    json.dump({"made_by": "scripts/demo_references/bmtk_builder_dtypes.py",
               "bmtk": bmtk.__version__, "h5py": h5py.__version__, "numpy": np.__version__,
               "files": files}, open(out, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
