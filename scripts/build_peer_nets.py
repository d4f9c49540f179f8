#!/usr/bin/env python3
"""Builds the V1-like networks that tests/sim_nest_equality.rs reads from $PEERS_DIR/nets:
those of tests/data/nest_refs/manifest.json that are too large to commit (the 1,000-cell ones
are in tests/data/nets). Each is made by the command the manifest records, with
../shared/peers/build_v1_like.py (deterministic: the same network NEST's references were run
on). Networks already built are kept. Under CI=true the tests fail when one is missing.

Run with the peers' python (scripts/setup_peers.sh makes it):
    ~/.cache/cortexview-peers/venv/bin/python scripts/build_peer_nets.py
"""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEERS_DIR = Path(os.environ.get("PEERS_DIR", Path.home() / ".cache" / "cortexview-peers"))
SHARED = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()),
    REPO.parent / "shared",
)


def main():
    manifest = json.loads((REPO / "tests" / "data" / "nest_refs" / "manifest.json").read_text())
    builder = SHARED / "peers" / "build_v1_like.py"
    for case, spec in sorted(manifest["cases"].items()):
        if spec.get("kind") != "v1_like":
            continue
        name = spec["netdir_name"]
        if (REPO / "tests" / "data" / "nets" / name / "config.json").exists():
            continue
        out = PEERS_DIR / "nets" / name
        if (out / "config.json").exists():
            print(f"{case}: {out} is there")
            continue
        args = shlex.split(spec["build"])[1:]
        print(f"{case}: building {out} ({spec['build']})", flush=True)
        subprocess.run([sys.executable, str(builder), *args, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
