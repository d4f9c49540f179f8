#!/usr/bin/env python3
"""Bad-input cases for `cortexview render`: time spans and frame rates that would make an
absurd number of frames or none at all, and frame sizes out of range. Each is refused with a
clear message before anything is drawn (no graphics adapter is needed to run them).

Writes tests/data/bad_inputs/render_<kind>/<case>/ (input files + case.json), read by
tests/bad_input_corpus.rs. Deterministic: the same run gives the same bytes. The circuit is
the 9_cells example's nodes file and node types from ../shared/fixtures, copied unchanged.

Run with the peers' python:
    /root/.cache/cortexview-peers/venv/bin/python scripts/bad_inputs/make_render.py
"""

import json
import shutil
from pathlib import Path

from corpus import FIXTURES, OUT, REPO, write_case_json

NINE_CELLS = FIXTURES / "sonata-examples" / "9_cells"

NODES_H5 = (NINE_CELLS / "network" / "cortex_nodes.h5").read_bytes()
NODE_TYPES_CSV = (NINE_CELLS / "network" / "cortex_node_types.csv").read_text()
CIRCUIT_CONFIG = (
    json.dumps(
        {
            "networks": {
                "nodes": [
                    {"nodes_file": "./nodes.h5", "node_types_file": "./node_types.csv"}
                ],
                "edges": [],
            }
        },
        indent=2,
    )
    + "\n"
)


def case(kind, name, render_args, stderr_contains, description):
    """One case folder: the circuit, and `cortexview render` on it with `render_args`."""
    folder = OUT / f"render_{kind}" / name
    folder.mkdir(parents=True)
    (folder / "nodes.h5").write_bytes(NODES_H5)
    (folder / "node_types.csv").write_text(NODE_TYPES_CSV)
    (folder / "circuit_config.json").write_text(CIRCUIT_CONFIG)
    write_case_json(folder, ["render", "{dir}/circuit_config.json", *render_args, "--out", "{dir}/frames"], "error", stderr_contains, [], description)


def main():
    for old in OUT.glob("render_*"):
        shutil.rmtree(old)

    case(
        "frames",
        "t1_1e9",
        ["--t1", "1e9", "--fps", "30"],
        ["300000001 frames", "--max-frames"],
        "a span of 1e9 ms at 30 fps and 100 ms per second: 3e8 frames, refused up front",
    )
    case(
        "frames",
        "over_a_raised_limit",
        ["--t1", "2000", "--fps", "30", "--max-frames", "10"],
        ["601 frames", "over the limit of 10"],
        "601 frames with --max-frames 10",
    )
    case(
        "frames",
        "fps_zero",
        ["--t1", "100", "--fps", "0"],
        ["--fps 0", "not a positive"],
        "zero frames per second",
    )
    case(
        "frames",
        "speed_negative",
        ["--t1", "100", "--speed=-5"],
        ["--speed -5", "not a positive"],
        "a negative speed (model ms per movie second)",
    )
    case(
        "frames",
        "t1_nan",
        ["--t1", "NaN"],
        ["--t1 NaN", "not a finite time"],
        "a last frame time that is not a number",
    )
    case(
        "frames",
        "t0_infinite",
        ["--t0", "inf", "--t1", "10"],
        ["--t0 inf", "not a finite time"],
        "an infinite first frame time",
    )
    case(
        "size",
        "width_zero",
        ["--width", "0"],
        ["frame size 0x720", "outside 1..8192"],
        "a frame zero pixels wide",
    )
    case(
        "size",
        "height_huge",
        ["--height", "100000"],
        ["frame size 1280x100000", "outside 1..8192"],
        "a frame taller than any texture",
    )


if __name__ == "__main__":
    main()
