"""What every bad-input case maker shares: where the corpus and the shared fixtures are, and
how a case's `case.json` is written (the format tests/bad_input_corpus.rs reads)."""

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "data" / "bad_inputs"
# The shared fixtures beside the checkout (../shared, as the tests find them), one level up
# from a worktree, or where FIXTURES says.
SHARED = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()),
    REPO.parent / "shared",
)
FIXTURES = Path(os.environ.get("FIXTURES", SHARED / "fixtures"))


def write_case_json(folder, args, exit, stderr_contains=(), stdout_contains=(), description=None):
    """`folder/case.json`: the command, whether it must fail, and the texts it must print."""
    spec = {} if description is None else {"description": description}
    spec.update(
        {
            "args": list(args),
            "exit": exit,
            "stderr_contains": list(stderr_contains),
            "stdout_contains": list(stdout_contains),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.json").write_text(json.dumps(spec, indent=2) + "\n")
