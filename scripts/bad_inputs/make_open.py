#!/usr/bin/env python3
"""Writes the `open_*` families of the bad-input corpus: tests/data/bad_inputs/open_*/<case>/.

Each case is a folder with its input files and a case.json (args with {dir} for the case's
temporary copy, the expected exit, and phrases stdout/stderr must contain). The inputs are
derived from the repository's V1-like test network (tests/data/v1_like_n300_none) and the
SONATA examples' electrode file; every HDF5 file is written without timestamps, so running
this again gives the same bytes.

    /root/.cache/cortexview-peers/venv/bin/python scripts/bad_inputs/make_open.py
"""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np

from corpus import FIXTURES, OUT, REPO, write_case_json

NET = REPO / "tests" / "data" / "v1_like_n300_none" / "network"
ELECTRODES = FIXTURES / "sonata-examples/shared_components/recXelectrodes/linear_electrode.csv"

N_NODES = 40  # nodes kept from the V1-like network: small cases, real positions and types


def dataset(group, name, data, **kw):
    return group.create_dataset(name, data=data, track_times=False, **kw)


def v1_columns():
    with h5py.File(NET / "v1_nodes.h5", "r") as f:
        pop = f["nodes/v1"]
        return {
            "node_type_id": pop["node_type_id"][:N_NODES],
            "x": pop["0/x"][:N_NODES],
            "y": pop["0/y"][:N_NODES],
            "z": pop["0/z"][:N_NODES],
        }


def write_nodes(path, edit=None):
    """A v1 nodes file of N_NODES nodes; `edit(pop_group, columns)` changes it before writing."""
    cols = v1_columns()
    with h5py.File(path, "w", track_order=True) as f:
        pop = f.create_group("nodes/v1")
        group = pop.create_group("0")
        if edit:
            edit(pop, group, cols)
        for name, values in [
            ("node_type_id", cols["node_type_id"]),
            ("node_id", np.arange(N_NODES, dtype=np.uint64)),
            ("node_group_id", np.zeros(N_NODES, dtype=np.uint32)),
            ("node_group_index", np.arange(N_NODES, dtype=np.uint64)),
        ]:
            if name not in pop:
                dataset(pop, name, values)
        for axis in "xyz":
            if axis not in group:
                dataset(group, axis, cols[axis])


def write_types(path):
    shutil.copyfile(NET / "v1_node_types.csv", path)


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def circuit_config(case, nodes=("v1_nodes.h5",), types="v1_node_types.csv", extra=None):
    config = {
        "networks": {
            "nodes": [{"nodes_file": f"./{n}", "node_types_file": f"./{types}"} for n in nodes],
            "edges": [],
        }
    }
    config.update(extra or {})
    write_json(case / "circuit_config.json", config)


def simulation_config(case, reports=None, inputs=None):
    write_json(
        case / "simulation_config.json",
        {
            "network": "./circuit_config.json",
            "run": {"tstop": 10.0, "dt": 0.1},
            "output": {"output_dir": "./output", "spikes_file": "spikes.h5"},
            "inputs": inputs or {},
            "reports": reports or {},
        },
    )


def write_spikes(path, n=6):
    with h5py.File(path, "w") as f:
        pop = f.create_group("spikes/v1")
        pop.attrs["sorting"] = "by_time"
        dataset(pop, "timestamps", np.linspace(1.0, 9.0, n))
        dataset(pop, "node_ids", np.arange(n, dtype=np.uint64) % N_NODES)


def write_frame_report(path, time=(0.0, 10.0, 1.0), n_frames=10, variable="v"):
    """A SONATA soma report of 3 nodes, one element each."""
    with h5py.File(path, "w") as f:
        pop = f.create_group("report/v1")
        data = dataset(pop, "data", np.full((n_frames, 3), -65.0, dtype=np.float32))
        data.attrs["variable"] = variable
        data.attrs["units"] = "mV"
        mapping = pop.create_group("mapping")
        dataset(mapping, "node_ids", np.array([0, 1, 2], dtype=np.uint64))
        dataset(mapping, "index_pointers", np.array([0, 1, 2, 3], dtype=np.uint64))
        dataset(mapping, "element_ids", np.zeros(3, dtype=np.uint64))
        dataset(mapping, "time", np.array(time, dtype=np.float64))


def write_ecp(path, channels, n_frames=10):
    """BMTK's extracellular report layout (bionet/modules/ecp.py)."""
    with h5py.File(path, "w") as f:
        data = dataset(f, "ecp/data", np.linspace(-1, 1, n_frames * channels).reshape(n_frames, channels))
        data.attrs["units"] = "mV"
        t = dataset(f, "ecp/time", np.array([0.0, 10.0, 1.0]))
        t.attrs["units"] = "ms"
        dataset(f, "ecp/channel_id", np.arange(channels))


def huge_declared(group, name, dtype, rows=10**9):
    """A dataset declaring `rows` rows of which nothing is stored (chunked, never written)."""
    return group.create_dataset(
        name, shape=(rows,), dtype=dtype, chunks=(4096,), compression="gzip", track_times=False
    )


def case(family, name, args, exit, stderr=(), stdout=()):
    folder = OUT / family / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_case_json(folder, args, exit, stderr, stdout)
    return folder


def base_circuit(folder):
    write_nodes(folder / "v1_nodes.h5")
    write_types(folder / "v1_node_types.csv")
    circuit_config(folder)


# ---------------------------------------------------------------------------------------------
# Viewing is tolerant: optional files that are missing, empty or broken are warnings


def tolerant():
    fam = "open_tolerant"
    # bluepysnap's test circuit: an empty lfp_report.h5 named as an `lfp` report.
    for name, args, stdout in [
        ("empty_lfp_report", ["info", "{dir}/simulation_config.json"], ["section_report (v)", "Reports:"]),
        (
            "empty_lfp_report_json",
            ["info", "--json", "{dir}/simulation_config.json"],
            ['"name": "section_report"', '"variable_name": "v"'],
        ),
    ]:
        c = case(fam, name, args, "ok", stderr=["report 'lfp'", "lfp_report.h5"], stdout=stdout)
        base_circuit(c)
        simulation_config(
            c,
            reports={
                "section_report": {"type": "compartment", "variable_name": "v", "sections": "soma",
                                   "cells": "v1", "file_name": "section_report.h5"},
                "lfp": {"type": "lfp", "variable_name": "v", "cells": "v1", "file_name": "lfp_report.h5"},
            },
        )
        (c / "output").mkdir()
        write_frame_report(c / "output" / "section_report.h5")
        (c / "output" / "lfp_report.h5").write_bytes(b"")
        write_spikes(c / "output" / "spikes.h5")

    c = case(fam, "input_spikes_not_hdf5", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["input 'lgn' spikes", "lgn_spikes.h5", "not a readable HDF5 file"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c, inputs={"lgn": {"input_type": "spikes", "module": "sonata",
                                         "input_file": "./lgn_spikes.h5", "node_set": "v1"}})
    (c / "lgn_spikes.h5").write_text("timestamps node_ids\n1.0 3\n")

    c = case(fam, "input_spikes_missing", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["input 'lgn' spikes", "absent_spikes.h5", "does not exist"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c, inputs={"lgn": {"input_type": "spikes", "module": "sonata",
                                         "input_file": "./absent_spikes.h5", "node_set": "v1"}})

    c = case(fam, "output_spikes_truncated", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["output spikes", "spikes.h5"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c)
    (c / "output").mkdir()
    write_spikes(c / "output" / "whole.h5")
    whole = (c / "output" / "whole.h5").read_bytes()
    (c / "output" / "spikes.h5").write_bytes(whole[: len(whole) // 2])
    (c / "output" / "whole.h5").unlink()

    c = case(fam, "report_file_missing_after_a_run", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["report 'membrane'", "membrane.h5", "does not exist"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c, reports={"membrane": {"module": "membrane_report", "variable_name": "v",
                                               "cells": "v1", "sections": "soma"}})
    (c / "output").mkdir()
    write_spikes(c / "output" / "spikes.h5")

    # BMTK's extracellular report: /ecp/{data,time,channel_id} with the config's electrode CSV.
    channels = sum(1 for line in ELECTRODES.read_text().splitlines()[1:] if line.strip())
    c = case(fam, "ecp_report_with_electrodes", ["info", "{dir}/simulation_config.json"], "ok",
             stdout=["Extracellular reports:", "ecp", f"{channels} channels with positions"])
    base_circuit(c)
    simulation_config(c, reports={"ecp": {"cells": "v1", "variable_name": "v", "module": "extracellular",
                                          "electrode_positions": "./linear_electrode.csv",
                                          "file_name": "ecp.h5"}})
    shutil.copyfile(ELECTRODES, c / "linear_electrode.csv")
    (c / "output").mkdir()
    write_ecp(c / "output" / "ecp.h5", channels)

    c = case(fam, "ecp_report_without_electrodes", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["report 'ecp'", "electrode positions", "absent_electrodes.csv"],
             stdout=["(no electrode positions)"])
    base_circuit(c)
    simulation_config(c, reports={"ecp": {"module": "extracellular", "variable_name": "v",
                                          "electrode_positions": "./absent_electrodes.csv",
                                          "file_name": "ecp.h5"}})
    (c / "output").mkdir()
    write_ecp(c / "output" / "ecp.h5", 4)

    c = case(fam, "ecp_report_with_too_few_electrodes", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["report 'ecp'", "electrodes.csv", "no row for channel 4"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c, reports={"ecp": {"module": "extracellular", "electrode_positions": "./electrodes.csv",
                                          "file_name": "ecp.h5"}})
    (c / "electrodes.csv").write_text("channel x_pos y_pos z_pos\n0 1 0 0\n1 1 -10 0\n2 1 -20 0\n3 1 -30 0\n")
    (c / "output").mkdir()
    write_ecp(c / "output" / "ecp.h5", 5)


# ---------------------------------------------------------------------------------------------
# A JSON file that is no SONATA config


def not_sonata():
    fam = "open_not_sonata"
    c = case(fam, "package_json", ["info", "{dir}/package.json"], "error",
             stderr=["package.json", "is not a SONATA config", "networks"])
    write_json(c / "package.json", {"name": "some-tool", "version": "1.0.0", "dependencies": {}})

    c = case(fam, "nodes_of_a_settings_json", ["nodes", "{dir}/settings.json"], "error",
             stderr=["settings.json", "is not a SONATA config"])
    write_json(c / "settings.json", {"editor.fontSize": 12})

    c = case(fam, "networks_is_a_list", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["circuit_config.json", "'networks' must be an object"])
    write_json(c / "circuit_config.json", {"networks": [1, 2]})

    c = case(fam, "nodes_entry_not_an_object", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["circuit_config.json", "networks.nodes[0] must be an object"])
    write_json(c / "circuit_config.json", {"networks": {"nodes": ["v1_nodes.h5"], "edges": []}})


# ---------------------------------------------------------------------------------------------
# Invalid values are said, never dropped silently


def invalid_values():
    fam = "open_invalid_values"

    def non_finite(pop, group, cols):
        cols["x"] = cols["x"].copy()
        cols["y"] = cols["y"].copy()
        cols["z"] = cols["z"].copy()
        cols["x"][3] = np.nan
        cols["y"][7] = np.inf
        cols["z"][9] = -np.inf

    c = case(fam, "non_finite_positions", ["info", "{dir}/circuit_config.json"], "ok",
             stderr=["v1_nodes.h5", "3 nodes of population 'v1' have non-finite", "first ids 3, 7, 9", "not drawn"],
             stdout=[f"{N_NODES} nodes", "extent x"])
    write_nodes(c / "v1_nodes.h5", non_finite)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    def absurd(pop, group, cols):
        cols["x"] = cols["x"].copy()
        cols["x"][5] = 1e300
        cols["x"][6] = -1e20

    c = case(fam, "absurd_positions", ["info", "{dir}/circuit_config.json"], "ok",
             stderr=["v1_nodes.h5", "2 nodes of population 'v1' have x/y/z beyond", "first ids 5, 6"],
             stdout=["extent x"])
    write_nodes(c / "v1_nodes.h5", absurd)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    def soft_link(pop, group, cols):
        group["x"] = h5py.SoftLink("/nowhere/x")

    c = case(fam, "broken_soft_link_attribute", ["info", "{dir}/circuit_config.json"], "ok",
             stderr=["v1_nodes.h5", "'/nodes/v1/0/x'", "cannot be opened"])
    write_nodes(c / "v1_nodes.h5", soft_link)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    def external_link(pop, group, cols):
        group["y"] = h5py.ExternalLink("absent_positions.h5", "/y")

    c = case(fam, "broken_external_link_attribute", ["info", "{dir}/circuit_config.json"], "ok",
             stderr=["v1_nodes.h5", "'/nodes/v1/0/y'", "cannot be opened"])
    write_nodes(c / "v1_nodes.h5", external_link)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    def required_link(pop, group, cols):
        pop["node_type_id"] = h5py.SoftLink("/nowhere/node_type_id")

    c = case(fam, "broken_link_node_type_id", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["v1_nodes.h5", "node_type_id", "cannot be read"])
    write_nodes(c / "v1_nodes.h5", required_link)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    for name, time, phrase in [
        ("report_dt_zero", (0.0, 10.0, 0.0), "has dt <= 0"),
        ("report_dt_negative", (0.0, 10.0, -0.1), "has dt <= 0"),
        ("report_time_reversed", (10.0, 0.0, 0.1), "runs backwards"),
        ("report_time_nan", (np.nan, 10.0, 0.1), "is not finite"),
    ]:
        c = case(fam, name, ["info", "{dir}/membrane.h5"], "error",
                 stderr=["membrane.h5", "/report/v1/mapping/time", phrase])
        write_frame_report(c / "membrane.h5", time=time)

    c = case(fam, "report_dt_zero_in_a_simulation", ["info", "{dir}/simulation_config.json"], "ok",
             stderr=["report 'membrane'", "membrane.h5", "has dt <= 0"], stdout=["v1"])
    base_circuit(c)
    simulation_config(c, reports={"membrane": {"module": "membrane_report", "variable_name": "v",
                                               "cells": "v1", "sections": "soma"}})
    (c / "output").mkdir()
    write_frame_report(c / "output" / "membrane.h5", time=(0.0, 10.0, 0.0))

    c = case(fam, "select_unknown_attribute",
             ["nodes", "{dir}/circuit_config.json", "--population", "v1", "--select", "pop_nmae == e4Rorb"],
             "error", stderr=["pop_nmae", "no node population has an attribute"])
    base_circuit(c)


# ---------------------------------------------------------------------------------------------
# Bounded work: declared sizes, manifest expansion, endless lines, nesting depth


def bounded():
    fam = "open_bounded"

    def huge_types(pop, group, cols):
        huge_declared(pop, "node_type_id", "u8")

    c = case(fam, "nodes_declare_1e9_rows", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["v1_nodes.h5", "node_type_id", "declares 1000000000 rows"])
    write_nodes(c / "v1_nodes.h5", huge_types)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    c = case(fam, "edges_declare_1e9_rows", ["info", "{dir}/edges.h5"], "error",
             stderr=["edges.h5", "declares 1000000000 rows"])
    with h5py.File(c / "edges.h5", "w") as f:
        pop = f.create_group("edges/v1_to_v1")
        huge_declared(pop, "source_node_id", "u8").attrs["node_population"] = "v1"
        huge_declared(pop, "target_node_id", "u8").attrs["node_population"] = "v1"
        huge_declared(pop, "edge_type_id", "u8")

    c = case(fam, "spikes_declare_1e9_rows", ["info", "{dir}/spikes.h5"], "error",
             stderr=["spikes.h5", "declares 1000000000 rows"])
    with h5py.File(c / "spikes.h5", "w") as f:
        pop = f.create_group("spikes/v1")
        huge_declared(pop, "timestamps", "f8")
        huge_declared(pop, "node_ids", "u8")

    c = case(fam, "report_declares_1e9_frames", ["info", "{dir}/membrane.h5"], "error",
             stderr=["membrane.h5", "/report/v1/data", "declares 1000000000 rows"])
    write_frame_report(c / "membrane.h5")
    with h5py.File(c / "membrane.h5", "a") as f:
        del f["report/v1/data"]
        f["report/v1"].create_dataset("data", shape=(10**9, 3), dtype="f4", chunks=(1024, 3),
                                      compression="gzip", track_times=False)

    # Each variable doubles the one before: 2^40 characters if expanded.
    manifest = {"$V0": "ab"}
    for i in range(1, 41):
        manifest[f"$V{i}"] = f"$V{i - 1}$V{i - 1}"
    c = case(fam, "manifest_expands_to_1e12_chars", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["circuit_config.json", "expands to more than"])
    write_json(c / "circuit_config.json", {"manifest": manifest,
                                           "networks": {"nodes": [{"nodes_file": "$V40/n.h5"}], "edges": []}})

    c = case(fam, "types_csv_is_dev_zero", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["/dev/zero", "not a regular file"])
    write_nodes(c / "v1_nodes.h5")
    write_json(c / "circuit_config.json",
               {"networks": {"nodes": [{"nodes_file": "./v1_nodes.h5", "node_types_file": "/dev/zero"}],
                             "edges": []}})

    c = case(fam, "node_sets_is_dev_zero", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["/dev/zero", "not a regular file"])
    base_circuit(c)
    circuit_config(c, extra={"node_sets_file": "/dev/zero"})

    for name, selection in [
        ("selection_10000_parentheses", "(" * 10000 + "x > 0" + ")" * 10000),
        ("selection_20000_nots", "!" * 20000 + "x > 0"),
    ]:
        c = case(fam, name, ["nodes", "{dir}/circuit_config.json", "--population", "v1", "--select", selection],
                 "error", stderr=["selection", "deeper than"])
        base_circuit(c)

    # Compound node sets that name the next set twice: 2^40 evaluations unless each is
    # evaluated once.
    c = case(fam, "node_sets_doubling_40_levels", ["nodes", "{dir}/circuit_config.json", "--population", "v1",
                                                   "--select", "s0", "--attributes", "node_type_id"],
             "ok", stdout=["node_id,node_type_id", f"{N_NODES - 1},"])
    base_circuit(c)
    circuit_config(c, extra={"node_sets_file": "./node_sets.json"})
    sets = {f"s{i}": [f"s{i + 1}", f"s{i + 1}"] for i in range(40)}
    sets["s40"] = {"population": "v1"}
    write_json(c / "node_sets.json", sets)

    chain = " || ".join(f"node_id {i}" for i in range(3000))
    c = case(fam, "selection_3000_term_chain", ["nodes", "{dir}/circuit_config.json", "--population", "v1",
                                                "--select", chain, "--attributes", "node_type_id"],
             "ok", stdout=["node_id,node_type_id", f"{N_NODES - 1},"])
    base_circuit(c)


# ---------------------------------------------------------------------------------------------
# Messages name the file and the right cause


def messages():
    fam = "open_messages"
    c = case(fam, "missing_nodes_file", ["info", "{dir}/circuit_config.json"], "ok",
             stderr=["nodes", "absent_nodes.h5", "does not exist"], stdout=["v1"])
    base_circuit(c)
    circuit_config(c, nodes=("v1_nodes.h5", "absent_nodes.h5"))

    def missing_group(pop, group, cols):
        dataset(pop, "node_group_id", np.full(N_NODES, 5, dtype=np.uint32))

    c = case(fam, "nodes_in_a_missing_group", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["v1_nodes.h5", "group 5, which does not exist"])
    write_nodes(c / "v1_nodes.h5", missing_group)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)

    def short_node_id(pop, group, cols):
        dataset(pop, "node_id", np.arange(3, dtype=np.uint64))

    c = case(fam, "node_id_shorter_than_node_type_id", ["info", "{dir}/circuit_config.json"], "error",
             stderr=["v1_nodes.h5", "'/nodes/v1/node_id' has 3 entries", f"node_type_id has {N_NODES}"])
    write_nodes(c / "v1_nodes.h5", short_node_id)
    write_types(c / "v1_node_types.csv")
    circuit_config(c)


def main():
    for family in ["open_tolerant", "open_not_sonata", "open_invalid_values", "open_bounded", "open_messages"]:
        if (OUT / family).exists():
            shutil.rmtree(OUT / family)
    tolerant()
    not_sonata()
    invalid_values()
    bounded()
    messages()
    cases = sorted(p.parent.relative_to(OUT) for p in OUT.glob("open_*/*/case.json"))
    print(f"{len(cases)} cases under {OUT}")


if __name__ == "__main__":
    main()
