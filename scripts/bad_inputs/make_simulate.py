#!/usr/bin/env python3
"""Bad-input cases for `cortexview simulate`: files the network needs that are missing or
unreadable, values no simulator can use (unknown edge types, NaN or text delays, fractional
ids, NaN or negative spike times, node sets that select nothing), runaway runs (a tstop whose
report cannot fit on any disk, absurd thread counts), and stale outputs of an earlier run.

Writes tests/data/bad_inputs/simulate_<kind>/<case>/ (input files + case.json), read by
tests/bad_input_corpus.rs. Deterministic: the same run gives the same bytes. Every case is the
ten-cell network of sonata-examples/sim_tests/intfire/ten_cells_spikes_nest (../shared/fixtures:
5 virtual cells driving 5 iaf_psc_alpha cells through 14 edges) with one thing broken.

Run with the peers' python (h5py):
    /root/.cache/cortexview-peers/venv/bin/python scripts/bad_inputs/make_simulate.py
"""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np

from corpus import FIXTURES, OUT, REPO, write_case_json

SIM_TESTS = FIXTURES / "sonata-examples" / "sim_tests"
TEN_CELLS = SIM_TESTS / "intfire" / "ten_cells_spikes_nest" / "input"
MODELS = SIM_TESTS / "shared_components" / "nest_models"

NETWORK_FILES = [
    "pre_nodes.h5", "pre_node_types.csv", "post_nodes.h5", "post_node_types.csv",
    "pre_post_edges.h5", "pre_post_edge_types.csv",
]
EDGES = "/edges/pre_to_post"


def base_config(tstop=100.0, dt=0.1, reports=None, inputs=None):
    """BMTK's one-file config for the network, paths relative to the config's folder."""
    return {
        "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network"},
        "target_simulator": "NEST",
        "run": {"tstop": tstop, "dt": dt},
        "components": {
            "point_neuron_models_dir": "$BASE_DIR/components/cell_models",
            "synaptic_models_dir": "$BASE_DIR/components/synaptic_models",
        },
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/pre_nodes.h5",
                 "node_types_file": "$NETWORK_DIR/pre_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/post_nodes.h5",
                 "node_types_file": "$NETWORK_DIR/post_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/pre_post_edges.h5",
                 "edge_types_file": "$NETWORK_DIR/pre_post_edge_types.csv"},
            ],
        },
        "node_sets_file": "$BASE_DIR/node_sets.json",
        "inputs": inputs if inputs is not None else {
            "external_spike_trains": {
                "input_type": "spikes", "module": "h5",
                "input_file": "$BASE_DIR/inputs/external_spike_trains.h5", "node_set": "pre",
            }
        },
        "output": {"output_dir": "$BASE_DIR/output", "spikes_file": "spikes.h5"},
        "reports": reports or {},
    }


def write_base(folder):
    (folder / "network").mkdir(parents=True)
    for name in NETWORK_FILES:
        shutil.copyfile(TEN_CELLS / "network" / name, folder / "network" / name)
    (folder / "components" / "cell_models").mkdir(parents=True)
    (folder / "components" / "synaptic_models").mkdir(parents=True)
    shutil.copyfile(MODELS / "cell_models" / "472363762_point.json",
                    folder / "components" / "cell_models" / "472363762_point.json")
    shutil.copyfile(MODELS / "synaptic_models" / "ExcToExc.json",
                    folder / "components" / "synaptic_models" / "ExcToExc.json")
    (folder / "inputs").mkdir()
    shutil.copyfile(TEN_CELLS / "external_spike_trains.h5",
                    folder / "inputs" / "external_spike_trains.h5")
    shutil.copyfile(TEN_CELLS / "node_sets.json", folder / "node_sets.json")


def replace_dataset(path, name, data):
    with h5py.File(path, "r+") as f:
        del f[name]
        f.create_dataset(name, data=data)


def case(kind, name, change, args, exit, stderr_contains, stdout_contains=(), description="",
         config=None):
    """One case: the base network, `change(folder)` applied, `config` (default: the base)."""
    folder = OUT / f"simulate_{kind}" / name
    write_base(folder)
    (folder / "config.json").write_text(json.dumps(config or base_config(), indent=2) + "\n")
    if change:
        change(folder)
    write_case_json(folder, args, exit, stderr_contains, stdout_contains, description)


SIMULATE = ["simulate", "{dir}/config.json"]


def remove(rel):
    return lambda folder: (folder / rel).unlink()


def write_text(rel, text):
    return lambda folder: (folder / rel).write_text(text)


def edit_csv(rel, column, value):
    def change(folder):
        path = folder / rel
        lines = path.read_text().splitlines()
        header = lines[0].split()
        i = header.index(column)
        rows = [line.split() for line in lines[1:]]
        for row in rows:
            row[i] = value
        path.write_text("\n".join([lines[0]] + [" ".join(r) for r in rows]) + "\n")
    return change


def edges_h5(change_file):
    return lambda folder: change_file(folder / "network" / "pre_post_edges.h5")


def spikes_h5(change_file):
    return lambda folder: change_file(folder / "inputs" / "external_spike_trains.h5")


def strict_cases():
    missing = [
        ("missing_edges_file", "network/pre_post_edges.h5", "edges_file"),
        ("missing_nodes_file", "network/post_nodes.h5", "nodes_file"),
        ("missing_node_types_file", "network/post_node_types.csv", "node_types_file"),
        ("missing_edge_types_file", "network/pre_post_edge_types.csv", "edge_types_file"),
        ("missing_input_file", "inputs/external_spike_trains.h5", "input_file"),
        ("missing_node_sets_file", "node_sets.json", "node_sets.json"),
    ]
    for name, rel, key in missing:
        case("strict", name, remove(rel), SIMULATE, "error",
             [key, Path(rel).name],
             description=f"{rel} is named by the config but missing: another network would run")
    case("strict", "nodes_file_not_hdf5", write_text("network/post_nodes.h5", "not hdf5\n"),
         SIMULATE, "error", ["post_nodes.h5"],
         description="a nodes file that is no HDF5 file")
    case("strict", "edges_file_empty", write_text("network/pre_post_edges.h5", ""),
         SIMULATE, "error", ["pre_post_edges.h5"],
         description="an empty edges file")

    def unknown_type(path):
        with h5py.File(path, "r") as f:
            types = f[EDGES + "/edge_type_id"][:]
        types[[2, 5]] = 999
        replace_dataset(path, EDGES + "/edge_type_id", types.astype(np.uint32))
    case("strict", "unknown_edge_type", edges_h5(unknown_type), SIMULATE, "error",
         ["pre_post_edges.h5", "edge_type_id not in", "pre_post_edge_types.csv", "2 edges (2, 5)"],
         description="edges whose edge_type_id edge_types.csv does not list")

    case("strict", "text_delay", edit_csv("network/pre_post_edge_types.csv", "delay", "fast"),
         SIMULATE, "error", ["pre_post_edge_types.csv", "delay 'fast'"],
         description="a delay in edge_types.csv that is no number")
    case("strict", "nan_delay_in_types", edit_csv("network/pre_post_edge_types.csv", "delay", "nan"),
         SIMULATE, "error", ["pre_post_edge_types.csv", "delay 'nan'"],
         description="a NaN delay in edge_types.csv")

    def nan_delay(path):
        with h5py.File(path, "r+") as f:
            delay = np.full(f[EDGES + "/edge_type_id"].shape, 1.0)
            delay[[0, 7]] = np.nan
            f.create_dataset(EDGES + "/0/delay", data=delay)
    case("strict", "nan_delay_per_edge", edges_h5(nan_delay), SIMULATE, "error",
         ["pre_post_edges.h5", "delay not a finite number for 2 edges (0, 7)"],
         description="NaN delays stored per edge")

    def nan_weight(path):
        with h5py.File(path, "r") as f:
            w = f[EDGES + "/0/syn_weight"][:]
        w[3] = np.nan
        replace_dataset(path, EDGES + "/0/syn_weight", w)
    case("strict", "nan_syn_weight", edges_h5(nan_weight), SIMULATE, "error",
         ["pre_post_edges.h5", "syn_weight not a finite number for 1 edge (3)"],
         description="a NaN syn_weight stored per edge")

    def fractional_ids(path):
        with h5py.File(path, "r") as f:
            ids = f[EDGES + "/source_node_id"][:].astype(np.float64)
        ids[1] += 0.5
        with h5py.File(path, "r+") as f:
            attrs = dict(f[EDGES + "/source_node_id"].attrs)
        replace_dataset(path, EDGES + "/source_node_id", ids)
        with h5py.File(path, "r+") as f:
            for k, v in attrs.items():
                f[EDGES + "/source_node_id"].attrs[k] = v
    case("strict", "fractional_source_ids", edges_h5(fractional_ids), SIMULATE, "error",
         ["pre_post_edges.h5", "source_node_id"],
         description="source node ids stored as floats, one of them 1.5")

    def spike_times(edit):
        def change(path):
            with h5py.File(path, "r") as f:
                t = f["/spikes/timestamps"][:]
            edit(t)
            replace_dataset(path, "/spikes/timestamps", t)
        return spikes_h5(change)
    case("strict", "nan_spike_times", spike_times(lambda t: t.__setitem__(slice(2, 4), np.nan)),
         SIMULATE, "error",
         ["external_spike_trains.h5", "time not a finite number for 2 spikes (nodes "],
         description="input spike times that are NaN")
    case("strict", "negative_spike_times", spike_times(lambda t: t.__setitem__(0, -5.0)),
         SIMULATE, "error", ["external_spike_trains.h5", "negative time for 1 spike (nodes "],
         description="an input spike time below zero (NEST refuses it)")
    case("strict", "spike_at_time_zero", spike_times(lambda t: t.__setitem__(0, 0.0)),
         SIMULATE, "ok", ["external_spike_trains.h5", "1 spike (nodes ", "before the first step"],
         description="an input spike at 0 ms, which no spike generator emits: a warning")

    nobody = base_config()
    nobody["inputs"]["external_spike_trains"]["node_set"] = {"population": "pre", "node_id": [99]}
    case("strict", "spikes_node_set_selects_nothing", None, SIMULATE, "error",
         ["external_spike_trains", "selects no virtual node"], config=nobody,
         description="the input's node set selects no node")
    clamp = base_config(inputs={
        "current": {"input_type": "current_clamp", "module": "IClamp", "node_set": "missing_set",
                    "amp": 100.0, "delay": 10.0, "duration": 50.0}})
    case("strict", "clamp_node_set_selects_nothing", None, SIMULATE, "error",
         ["current", "selects no simulated neuron"], config=clamp,
         description="a current clamp on a node set that is not defined")
    clamp_text = base_config(inputs={
        "current": {"input_type": "current_clamp", "module": "IClamp", "node_set": "post",
                    "amp": "strong", "delay": 10.0, "duration": 50.0}})
    case("strict", "clamp_amp_not_a_number", None, SIMULATE, "error",
         ["current", "'amp'"], config=clamp_text,
         description="a current amplitude that is text")
    seed = base_config()
    seed["run"]["random_seed"] = "lucky"
    case("strict", "random_seed_not_an_integer", None, SIMULATE, "error",
         ["random_seed", "lucky"], config=seed,
         description="run.random_seed must be a non-negative integer")


REPORT = {"membrane_potential": {"cells": "post", "variable_name": "V_m",
                                 "module": "multimeter_report", "sections": "soma"}}


def bounded_cases():
    case("bounded", "tstop_1e12_report", None, SIMULATE, "error",
         ["report 'membrane_potential'", "membrane_potential.h5", "free", "200.0 TB",
          "10000000000000 frames x 5 neurons"],
         config=base_config(tstop=1e12, reports=REPORT),
         description="a report of 1e13 frames (200 TB) is refused before the run")
    case("bounded", "tstop_beyond_the_step_count", None, SIMULATE, "error",
         ["2^53"], config=base_config(tstop=1e30),
         description="more steps than the engine counts exactly")
    case("bounded", "threads_100000", None, SIMULATE + ["--threads", "100000"], "ok",
         ["--threads 100000", "cores"],
         description="absurd thread counts are clamped to the machine's cores, with a note")


def outputs_cases():
    def stale(rel, data):
        def change(folder):
            (folder / "output").mkdir(exist_ok=True)
            (folder / "output" / rel).write_bytes(data)
        return change
    garbage = bytes(range(256)) * 8
    case("outputs", "stale_corrupt_spikes", stale("spikes.h5", garbage), SIMULATE, "ok",
         [], ["spikes:", "spikes.h5"],
         description="a corrupt spikes file of an earlier run is replaced, not read")
    case("outputs", "stale_corrupt_report", stale("membrane_potential.h5", garbage), SIMULATE,
         "ok", [], ["report membrane_potential"], config=base_config(reports=REPORT),
         description="a corrupt report of an earlier run is replaced, not read")


def main():
    for kind in ("strict", "bounded", "outputs"):
        shutil.rmtree(OUT / f"simulate_{kind}", ignore_errors=True)
    strict_cases()
    bounded_cases()
    outputs_cases()


if __name__ == "__main__":
    main()
