#!/usr/bin/env python3
"""Bad-input cases for the parsers: truncated or garbage HDF5, CSV faults, invalid or cyclic
JSON, SWC and MorphIO-H5 structure errors, and the crashers coverage-guided fuzzing found.

Writes tests/data/bad_inputs/parsers_<kind>/<case>/ (input files + case.json), read by
tests/bad_input_corpus.rs. Deterministic: the same run gives the same bytes. Derived from the
9_cells example of ../shared/fixtures (nodes file and node types) and tests/data/morphology.

Run with the peers' python (h5py):
    /root/.cache/cortexview-peers/venv/bin/python scripts/bad_inputs/make_parsers.py
"""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np

from corpus import FIXTURES, OUT, REPO, write_case_json

NINE_CELLS = FIXTURES / "sonata-examples" / "9_cells"
MORPHOLOGY = REPO / "tests" / "data" / "morphology"

NODES_H5 = (NINE_CELLS / "network" / "cortex_nodes.h5").read_bytes()
NODE_TYPES_CSV = (NINE_CELLS / "network" / "cortex_node_types.csv").read_text()
THREE_POINT_SWC = (MORPHOLOGY / "three_point_soma.swc").read_text()


def circuit_config(nodes="./nodes.h5", node_types="./node_types.csv", extra=None):
    config = {
        "networks": {
            "nodes": [{"nodes_file": nodes, "node_types_file": node_types}],
            "edges": [],
        }
    }
    config.update(extra or {})
    return json.dumps(config, indent=2) + "\n"


def case(kind, name, files, args, exit, stderr_contains, stdout_contains=(), description=""):
    """One case folder: `files` maps a relative name to text or bytes (or an h5 writer)."""
    folder = OUT / f"parsers_{kind}" / name
    folder.mkdir(parents=True)
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    write_case_json(folder, args, exit, stderr_contains, stdout_contains, description)


def circuit_case(kind, name, description, stderr_contains, nodes=NODES_H5, node_types=NODE_TYPES_CSV,
                 config=None, command="info", exit="error", extra_args=(), stdout_contains=()):
    files = {
        "circuit_config.json": config if config is not None else circuit_config(),
        "nodes.h5": nodes,
        "node_types.csv": node_types,
    }
    case(kind, name, files, [command, "{dir}/circuit_config.json", *extra_args], exit,
         stderr_contains, stdout_contains, description=description)


def lcg_bytes(n, seed):
    """Deterministic garbage (not random between runs)."""
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(x >> 56)
    return bytes(out)


def h5_writer(build):
    """An h5 file built by `build(f)`, without timestamps so the bytes do not change."""

    def write(path):
        with h5py.File(path, "w", libver="earliest", track_order=False) as f:
            build(f)

    return write


def dataset(group, name, data, dtype=None):
    group.create_dataset(name, data=np.asarray(data, dtype=dtype), track_times=False)


# ---- HDF5 files that are not HDF5, or broken ones -------------------------------------------


def hdf5_cases():
    circuit_case("hdf5", "truncated_nodes", "the nodes file cut after its first 2 kB",
                 ["nodes.h5", "not a readable HDF5 file"], nodes=NODES_H5[:2048])
    circuit_case("hdf5", "garbage_nodes", "the nodes file is 4 kB of noise",
                 ["nodes.h5", "not a readable HDF5 file"], nodes=lcg_bytes(4096, 7))
    circuit_case("hdf5", "empty_nodes", "the nodes file is empty",
                 ["nodes.h5", "not a readable HDF5 file"], nodes=b"")
    circuit_case("hdf5", "text_nodes", "the nodes file is a CSV file named .h5",
                 ["nodes.h5", "not a readable HDF5 file"], nodes=NODE_TYPES_CSV)
    circuit_case("hdf5", "no_nodes_group", "a valid h5 file without /nodes",
                 ["nodes.h5", "no '/nodes' group"],
                 nodes=h5_writer(lambda f: dataset(f, "x", [1.0, 2.0])))
    corrupted = bytearray(NODES_H5)
    corrupted[4096:6144] = lcg_bytes(2048, 11)
    circuit_case("hdf5", "corrupted_middle", "2 kB of the nodes file overwritten with noise",
                 ["nodes.h5"], nodes=bytes(corrupted), exit="error")

    def mismatched_lengths(f):
        pop = f.create_group("nodes/cortex")
        dataset(pop, "node_type_id", [100, 101, 102], "u8")
        dataset(pop, "node_group_id", [0, 0], "u4")
        dataset(pop, "node_group_index", [0, 1, 2, 3, 4], "u8")
        g = pop.create_group("0")
        dataset(g, "x", [0.0])

    circuit_case("hdf5", "mismatched_lengths", "node_type_id, node_group_id and index differ in length",
                 ["nodes.h5", "has 2 entries but node_type_id has 3"],
                 nodes=h5_writer(mismatched_lengths))

    def group_index_out_of_range(f):
        pop = f.create_group("nodes/cortex")
        dataset(pop, "node_type_id", [100, 101], "u8")
        dataset(pop, "node_group_id", [0, 0], "u4")
        dataset(pop, "node_group_index", [0, 4000000000], "u8")
        g = pop.create_group("0")
        dataset(g, "x", [0.0, 1.0])

    # Viewing is tolerant: the attribute is left out with a warning naming it.
    circuit_case("hdf5", "group_index_out_of_range", "node_group_index points past its group",
                 ["nodes.h5", "/nodes/cortex/0/x skipped"],
                 nodes=h5_writer(group_index_out_of_range), exit="ok")

    def two_dimensional_ids(f):
        pop = f.create_group("nodes/cortex")
        dataset(pop, "node_type_id", [[100, 101], [102, 100]], "u8")
        dataset(pop, "node_group_id", [0, 0], "u4")
        dataset(pop, "node_group_index", [0, 1], "u8")
        pop.create_group("0")

    circuit_case("hdf5", "two_dimensional_type_ids", "node_type_id is a 2x2 matrix",
                 ["nodes.h5", "has 2 dimensions"], nodes=h5_writer(two_dimensional_ids))


# ---- CSV faults in node types ----------------------------------------------------------------


def csv_cases():
    header, *rows = NODE_TYPES_CSV.splitlines()
    circuit_case("csv", "no_id_column", "node types without node_type_id",
                 ["node_types.csv", "no 'node_type_id' column"],
                 node_types="\n".join(l.split(" ", 1)[1] for l in NODE_TYPES_CSV.splitlines()) + "\n")
    circuit_case("csv", "text_id", "a node_type_id that is a word",
                 ["node_types.csv:2", "'abc' is not an integer"],
                 node_types="\n".join([header, "abc" + rows[0][3:], *rows[1:]]) + "\n")
    circuit_case("csv", "ragged_row", "a row with fewer fields than the header",
                 ["node_types.csv:2", "5 fields"],
                 node_types="\n".join([header, rows[0].rsplit(" ", 3)[0], *rows[1:]]) + "\n")
    circuit_case("csv", "unclosed_quote", "a quoted field that never ends",
                 ["node_types.csv:2", "not closed"],
                 node_types="\n".join([header, rows[0].replace(" e ", ' "e '), *rows[1:]]) + "\n")
    circuit_case("csv", "empty", "an empty node types file", ["node_types.csv", "empty"],
                 node_types="")
    circuit_case("csv", "binary", "node types that are noise", ["node_types.csv", "UTF-8"],
                 node_types=lcg_bytes(2048, 3))
    circuit_case("csv", "duplicate_ids", "the same node_type_id twice",
                 ["node_types.csv:5", "appears twice"],
                 node_types="\n".join([header, *rows, rows[0]]) + "\n")
    circuit_case("csv", "missing_file", "node_types_file names a file that is not there",
                 ["missing_types.csv", "No such file"],
                 config=circuit_config(node_types="./missing_types.csv"))


# ---- JSON: invalid, cyclic, not a config -----------------------------------------------------


def json_cases():
    good = circuit_config()
    circuit_case("json", "truncated", "the config cut in the middle",
                 ["circuit_config.json", "not valid JSON"],
                 config=good[: len(good) // 2])
    circuit_case("json", "not_an_object", "the config is a JSON list",
                 ["circuit_config.json", "must be a JSON object"],
                 config="[1, 2, 3]\n")
    cyclic = json.loads(good)
    cyclic["manifest"] = {"$A": "$B/x", "$B": "$A/y"}
    cyclic["networks"]["nodes"][0]["nodes_file"] = "$A/nodes.h5"
    circuit_case("json", "cyclic_manifest", "manifest variables that refer to each other",
                 ["circuit_config.json", "cyclic variables: $A, $B"],
                 config=json.dumps(cyclic, indent=2))
    doubling = json.loads(good)
    doubling["manifest"] = {"$V0": "ab", **{f"$V{i}": f"$V{i - 1}$V{i - 1}" for i in range(1, 41)}}
    doubling["networks"]["nodes"][0]["nodes_file"] = "$V40/nodes.h5"
    circuit_case("json", "manifest_doubling", "each variable twice the one before: 2^41 characters",
                 ["circuit_config.json", "expands to more than"],
                 config=json.dumps(doubling, indent=2))
    undefined = json.loads(good)
    undefined["networks"]["nodes"][0]["nodes_file"] = "$NOT_DEFINED/nodes.h5"
    # Viewing is tolerant: the nodes file it names is missing, a warning says which.
    circuit_case("json", "undefined_variable", "a path naming a variable the manifest lacks",
                 ["$NOT_DEFINED/nodes.h5", "does not exist"],
                 config=json.dumps(undefined, indent=2), exit="ok")
    wrong_type = json.loads(good)
    wrong_type["networks"]["nodes"] = {"nodes_file": "./nodes.h5"}
    circuit_case("json", "nodes_not_a_list", "networks.nodes is an object",
                 ["circuit_config.json", "networks.nodes must be a list"],
                 config=json.dumps(wrong_type, indent=2))
    circuit_case("json", "binary", "the config is noise", ["circuit_config.json", "UTF-8"],
                 config=lcg_bytes(1024, 5))
    deep = "[" * 40000 + "]" * 40000
    circuit_case("json", "deeply_nested", "40,000 nested lists",
                 ["circuit_config.json", "recursion limit"],
                 config=deep)

    def node_sets_case(name, description, node_sets, select, stderr):
        config = json.loads(good)
        config["node_sets_file"] = "./node_sets.json"
        files = {
            "circuit_config.json": json.dumps(config, indent=2),
            "nodes.h5": NODES_H5,
            "node_types.csv": NODE_TYPES_CSV,
            "node_sets.json": node_sets,
        }
        case("json", name, files,
             ["nodes", "{dir}/circuit_config.json", "--select", select], "error", stderr,
             description=description)

    node_sets_case("node_sets_invalid", "node_sets.json is not JSON", '{"a": [', "a",
                   ["node_sets.json", "not valid JSON"])
    node_sets_case("node_sets_cyclic", "a compound node set that contains itself",
                   json.dumps({"a": ["b"], "b": ["a"]}), "a", ["node_sets.json", "refers to itself"])
    doubling = {f"s{i}": [f"s{i + 1}", f"s{i + 1}"] for i in range(40)}
    doubling["s40"] = {"ei": "e"}
    # Each set lists the next one twice: 2^40 evaluations unless each set is
    # evaluated once. Selects the excitatory cells.
    files_ok = json.loads(good)
    files_ok["node_sets_file"] = "./node_sets.json"
    case("json", "node_sets_doubling",
         {"circuit_config.json": json.dumps(files_ok, indent=2), "nodes.h5": NODES_H5,
          "node_types.csv": NODE_TYPES_CSV, "node_sets.json": json.dumps(doubling)},
         ["nodes", "{dir}/circuit_config.json", "--select", "s0", "--attributes", "ei"], "ok", [],
         ["node_id,ei\n0,e\n"], description="compound sets listing the next set twice, 40 deep")
    node_sets_case("node_sets_not_an_object", "node sets given as a list", "[1, 2]", "a",
                   ["node_sets.json", "must be a JSON object"])


# ---- SWC and MorphIO-H5 structure ------------------------------------------------------------


def swc_case(name, description, text, stderr, exit="error"):
    case("swc", name, {"cell.swc": text}, ["info", "{dir}/cell.swc"], exit,
         ["cell.swc", *stderr], description=description)


def swc_cases():
    lines = THREE_POINT_SWC.splitlines()
    body = [l for l in lines if l and not l.startswith("#")]
    swc_case("missing_parent", "a point whose parent does not exist",
             "\n".join(body + ["12 3 0 0 0 1 99"]) + "\n", [":12:", "parent 99"])
    swc_case("parent_cycle", "two points that are each other's parent",
             "\n".join(body + ["12 3 0 0 0 1 13", "13 3 0 0 0 1 12"]) + "\n", ["cycle"])
    swc_case("self_parent", "a point that is its own parent",
             "\n".join(body + ["12 3 0 0 0 1 12"]) + "\n", [":12:", "its own parent"])
    swc_case("duplicate_id", "the same id twice", "\n".join(body + [body[3]]) + "\n",
             [":12:", "repeated id 4"])
    swc_case("too_few_fields", "a line with six fields",
             "\n".join(body + ["12 3 0 0 0 1"]) + "\n", [":12:", "expected 7 columns"])
    swc_case("text_coordinate", "a coordinate that is a word",
             "\n".join(body + ["12 3 zero 0 0 1 11"]) + "\n", [":12:", "'zero'"])
    # As MorphIO: a file without points is an empty morphology, with a warning.
    swc_case("empty", "an empty SWC file", "", ["no soma found"], exit="ok")
    swc_case("only_comments", "comments and nothing else", "# nothing here\n# at all\n",
             ["no soma found"], exit="ok")
    swc_case("binary", "an SWC file that is noise", lcg_bytes(2048, 9), ["UTF-8"])
    swc_case("no_root", "every point has a parent",
             "1 1 0 0 0 1 2\n2 3 1 0 0 1 1\n", ["cycle"])
    swc_case("huge_id", "an id past 64 bits",
             "\n".join(body + ["99999999999999999999999 3 0 0 0 1 11"]) + "\n",
             [":12:", "not an integer"])


def morph_h5_case(name, description, build, stderr):
    case("morph_h5", name, {"cell.h5": h5_writer(build)}, ["info", "{dir}/cell.h5"], "error",
         ["cell.h5", *stderr], description=description)


def morphology_h5_cases():
    with h5py.File(MORPHOLOGY / "three_point_soma.h5", "r") as f:
        points = f["points"][()]
        structure = f["structure"][()]

    def with_structure(s, p=points):
        def build(f):
            dataset(f, "points", p, "f4")
            dataset(f, "structure", s, "i4")
            f.create_group("metadata")

        return build

    bad = structure.copy()
    bad[2, 0] = 1000
    morph_h5_case("offset_past_points", "a section starting past the last point",
                  with_structure(bad), ["/structure row 2", "offset 1000"])
    bad = structure.copy()
    bad[3, 2] = 77
    morph_h5_case("parent_past_sections", "a parent index past the sections",
                  with_structure(bad), ["/structure row 3", "parent 77"])
    bad = structure.copy()
    bad[1, 2] = 1
    bad[2, 2] = 2
    morph_h5_case("parent_cycle", "sections that are their own ancestors",
                  with_structure(bad), ["/structure row 1", "parent 1"])
    bad = structure.copy()
    bad[2, 0], bad[3, 0] = bad[3, 0], bad[2, 0]
    morph_h5_case("offsets_decreasing", "section offsets out of order", with_structure(bad),
                  ["/structure row 2", "not increasing"])
    bad = structure.copy()
    bad[1, 0] = -5
    morph_h5_case("negative_offset", "a negative section offset", with_structure(bad),
                  ["/structure row 1", "offset -5"])
    morph_h5_case("points_three_columns", "points without a diameter column",
                  with_structure(structure, points[:, :3]), ["/points", "expected N x 4"])
    morph_h5_case("structure_two_columns", "structure without the parent column",
                  with_structure(structure[:, :2]), ["/structure", "expected N x 3"])
    morph_h5_case("empty_points", "no points at all",
                  with_structure(structure, np.zeros((0, 4))), ["/structure row 1", "offset 3"])


def main():
    for old in OUT.glob("parsers_*"):
        shutil.rmtree(old)
    hdf5_cases()
    csv_cases()
    json_cases()
    swc_cases()
    morphology_h5_cases()
    count = sum(1 for _ in OUT.glob("parsers_*/*/case.json"))
    print(f"wrote {count} cases under {OUT.relative_to(REPO)}/parsers_*")


if __name__ == "__main__":
    main()
