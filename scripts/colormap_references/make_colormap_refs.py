#!/usr/bin/env python3
"""matplotlib's colormaps, as cortexview draws them: the 256-entry tables and reference values.

Run from the project root with the peers' venv (matplotlib 3.11):

    $HOME/.cache/cortexview-peers/venv/bin/python scripts/colormap_references/make_colormap_refs.py

Writes:
  src/view/colormap_tables.rs              each map's 256 colours (matplotlib's lookup table,
                                           `cmap(np.arange(256) / 255)`), as 8-bit sRGB.
  tests/data/colormaps/matplotlib_refs.json  matplotlib's colour at several points of each map
                                           (`cmap(t)`, floats in 0..1), for tests/colormaps.rs.

matplotlib samples a colormap of N entries at t by taking entry min(floor(t * N), N - 1) (no
interpolation between entries); cortexview does the same with the same table, so the two agree
within the table's 8-bit rounding.
"""

import json
import pathlib

import matplotlib
import numpy as np

# cortexview's name -> matplotlib's name.
MAPS = {
    "viridis": "viridis",
    "magma": "magma",
    "inferno": "inferno",
    "plasma": "plasma",
    "cividis": "cividis",
    "turbo": "turbo",
    "coolwarm": "coolwarm",
    "rdbu": "RdBu_r",
    "grays": "gray",
}

# Points checked: the ends, the middle, points between table entries, and the old bug's
# region (0.4 .. 0.9, where a 9-stop table went wrong).
POINTS = [0.0, 0.05, 0.1, 0.25, 1 / 3, 0.4, 0.45, 0.5, 0.55, 0.6, 2 / 3, 0.75, 0.8, 0.85, 0.9,
          0.95, 0.999, 1.0]

ROOT = pathlib.Path(__file__).resolve().parents[2]


def table(cmap):
    lut = cmap(np.arange(cmap.N) / (cmap.N - 1))[:, :3]
    assert cmap.N == 256, (cmap.name, cmap.N)
    return np.round(lut * 255).astype(int)


def write_tables():
    lines = [
        "//! matplotlib's colormap tables (256 colours each, 8-bit sRGB), written by",
        "//! `scripts/colormap_references/make_colormap_refs.py` from matplotlib "
        + matplotlib.__version__ + ". Do not edit.",
        "",
    ]
    for name, mpl_name in MAPS.items():
        rgb = table(matplotlib.colormaps[mpl_name])
        lines.append(f"/// matplotlib's `{mpl_name}`.")
        lines.append("#[rustfmt::skip]")
        lines.append(f"pub const {name.upper()}: [[u8; 3]; 256] = [")
        for row in range(0, 256, 8):
            cells = ", ".join(f"[{r}, {g}, {b}]" for r, g, b in rgb[row:row + 8])
            lines.append(f"    {cells},")
        lines.append("];")
        lines.append("")
    out = ROOT / "src/view/colormap_tables.rs"
    out.write_text("\n".join(lines).rstrip("\n") + "\n")
    print("wrote", out)


def write_refs():
    refs = {
        "matplotlib": matplotlib.__version__,
        "points": POINTS,
        "maps": {
            name: [list(map(float, matplotlib.colormaps[mpl_name](t)[:3])) for t in POINTS]
            for name, mpl_name in MAPS.items()
        },
    }
    out = ROOT / "tests/data/colormaps/matplotlib_refs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(refs, indent=None).replace('], "', '],\n "') + "\n")
    print("wrote", out)


if __name__ == "__main__":
    write_tables()
    write_refs()
