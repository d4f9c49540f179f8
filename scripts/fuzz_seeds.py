#!/usr/bin/env python3
"""Seed corpora of the fuzz targets, fuzz/corpus/<target>/, from the repository's test data and
the shared fixtures (small files only). Deterministic; plain python3.

The HDF5 targets read their bytes as a stream of choices (fuzz/src/entry.rs, `Input`): their
seeds are byte strings that build a valid file of each layout, for the fuzzer to mutate.

    python3 scripts/fuzz_seeds.py
"""

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fuzz" / "corpus"
SHARED = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()),
    REPO.parent / "shared",
)
FIXTURES = SHARED / "fixtures"
MAX_SEED_BYTES = 16_000


def files(patterns, roots):
    found = []
    for root in roots:
        if root.is_dir():
            for pattern in patterns:
                found.extend(p for p in root.rglob(pattern) if p.is_file())
    return sorted(p for p in found if p.stat().st_size <= MAX_SEED_BYTES)


def seed(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def copy_seeds(target, paths, limit):
    seen = set()
    for path in paths:
        data = path.read_bytes()
        if data in seen:
            continue
        seen.add(data)
        rel = path.relative_to(REPO if path.is_relative_to(REPO) else FIXTURES)
        seed(target, "_".join(rel.parts), data)
        if len(seen) >= limit:
            break


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    roots = [REPO / "tests" / "data", FIXTURES / "sonata-examples", FIXTURES / "bmtk-examples"]
    copy_seeds("config", files(["*config*.json"], roots), 12)
    copy_seeds("types_csv", files(["*_types.csv"], roots), 12)
    copy_seeds("node_sets", files(["node_sets*.json"], roots), 8)
    copy_seeds("swc", files(["*.swc"], [REPO / "tests" / "data" / "morphology"]), 6)
    copy_seeds("spikes_csv", files(["*spikes*.csv"], roots), 4)
    seed("spikes_csv", "bmtk_layout.csv",
         "timestamps population node_ids\n0.5 v1 0\n1.25 v1 3\n2.0 lgn 1\n")
    seed("node_sets", "compound.json",
         '{"a": {"population": "v1", "ei": ["e", "i"]}, "b": {"node_id": [0, 5]}, "c": ["a", "b"]}')
    for i, expr in enumerate([
        "population == v1 && soma x < 0",
        "!(model_type == virtual) || type eq 100",
        "node_id 1 2 3",
        "stride 5 and not exc",
        "(nested || some) && pop_name == 'e4Rorb'",
        "x >= -10 and y <= 20.5 or z != 3",
        "all",
    ]):
        seed("selection", f"expr_{i}.txt", expr)
    # spikes_h5: one "v1" population of 5 spikes sorted by time; then the old layout.
    seed("spikes_h5", "sonata_layout.bin",
         bytes([1, 1, 1, 5, 8, 9, 10, 8, 9, 1, 2, 4, 6, 8, 10, 0, 1, 6, 1, 0, 0, 0]))
    seed("spikes_h5", "old_layout.bin",
         bytes([1, 0, 4, 8, 9, 10, 11, 1, 2, 4, 6, 8, 1, 1, 11, 1, 9, 1, 1]))
    # morphology_h5: a three-point soma contour and one dendrite of three points.
    points = [100, 100, 100, 108, 104, 100, 100, 108, 100, 104, 100, 108,
              100, 100, 100, 104, 100, 120, 100, 104, 100, 140, 100, 104]
    seed("morphology_h5", "soma_and_dendrite.bin",
         bytes([6, 0, *points, 1, 0, 2, 0, 8, 9, 252, 11, 11, 8, 1, 6, 1]))
    # report_h5: one population, 3 frames of 2 elements, 2 nodes, time 0..3 by 1.
    seed("report_h5", "frames.bin",
         bytes([1, 1, 3, 2, 100, 104, 108, 112, 116, 120, 2, 1, 9, 1, 2, 8, 9, 11, 1,
                8, 9, 10, 1, 0, 11, 0, 1, 8, 8, 12, 1, 0, 254, 6, 2, 0, 2, 0, 4]))
    count = sum(1 for _ in CORPUS.rglob("*") if _.is_file())
    print(f"wrote {count} seeds under {CORPUS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
