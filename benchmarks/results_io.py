"""Where benchmark results go: one JSON line per run, appended to a file under benchmarks/results/ (git-ignored)."""

from __future__ import annotations

import json
from pathlib import Path


def append_result(output: Path, row: dict) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"appended to {output}")
