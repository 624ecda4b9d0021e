"""bench_edit: how long LibreOffice takes to recalculate after a clerk types one cell of a large ledger.

    python benchmarks/bench_edit.py [--persons 2000,5000,20000] [--seed 20220414]

For each size, builds a ledger of that many people (the seeded fictional households of bench_recalc, written with
`RowWriter`), opens it once in headless LibreOffice through its UNO API (benchmarks/uno_edit.py, run by the Python
that has `uno`: python3-uno, installed by .ci/install-system-packages), then for every input column of 台账 types one
new value on a head row and on a member row near the middle of the sheet and times the recalculation that follows
(setting the cell and `calculate()`), `--repeat` times (default 5: one sample on a shared machine can be twice
the typical time when the scheduler steps in). Reports the worst column per size by its median, and the slowest single
sample. Goal: every input column ≤ 100 ms at 20,000
persons. Writes one JSON line to benchmarks/results/edit.json. No assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from bench_recalc import build_ledger, households_for  # noqa: E402
from hx_excel.core.id_number import make_valid  # noqa: E402
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index  # noqa: E402
from hx_excel.office.libreoffice import _throwaway_profile, find_soffice  # noqa: E402
from hx_excel.policy import default_policy  # noqa: E402
from results_io import append_result  # noqa: E402

GOAL_MS = 100
EXCEL_EPOCH = date(1899, 12, 30)
UNO_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3", "python3")


def uno_python() -> str:
    """A Python that can `import uno` (LibreOffice's bridge is built for the system Python)."""
    for candidate in UNO_PYTHONS:
        found = shutil.which(candidate)
        if found and subprocess.run([found, "-c", "import uno"], capture_output=True).returncode == 0:
            return found
    sys.exit("bench_edit needs LibreOffice's Python bridge: apt-get install python3-uno (.ci/install-system-packages)")


def edit_rows(households) -> tuple[int, int]:
    """(a head row, a member row) of a household of two or more people near the middle of the sheet."""
    row, middle = FIRST_DATA_ROW, FIRST_DATA_ROW + sum(max(1, len(h.members)) for h in households) // 2
    for household in households:
        size = max(1, len(household.members))
        if row >= middle and size >= 2:
            head = next(i for i, m in enumerate(household.members) if m.relation == "户主")
            return row + head, row + (1 if head == 0 else 0)
        row += size
    raise ValueError("no household of two or more people")


def new_value(column, policy, current) -> tuple[str, object]:
    """What a clerk might type into this column instead of what is there: (UNO kind, value)."""
    if column.type == "id":
        return "string", make_valid("520111", date(1977, 7, 7), 123)
    if column.type in ("number", "integer"):
        return "value", 3 if column.type == "integer" else 12345.0
    if column.type == "date":
        return "value", float((date(2022, 8, 1) - EXCEL_EPOCH).days)
    if column.type == "bool":
        return "string", "否" if current == "是" else "是"
    if column.type == "list" and column.values != "villages":
        return "string", next(v for v in policy.lists.values(column.values) if v != current)
    return "string", "测试输入"


def edits_for(wb, households, policy) -> list[dict]:
    ws = wb[SHEET]
    edits = []
    for where, row in zip(("户主行", "成员行"), edit_rows(households)):
        for column in COLUMNS:
            if column.kind != "input":
                continue
            index = column_index(column.key)
            kind, value = new_value(column, policy, ws.cell(row, index).value)
            edits.append({"key": column.key, "header": column.header, "where": where, "column": index - 1,
                          "row": row - 1, "kind": kind, "value": value})
    return edits


def cpu_times() -> list[int] | None:
    """The machine's CPU time counters (/proc/stat, Linux): user nice system idle iowait irq softirq steal …"""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(n) for n in stat.readline().split()[1:]]
    except OSError:
        return None


def busy_share(before: list[int] | None, after: list[int] | None) -> dict:
    """How quiet the machine was: the share of CPU time stolen by the host (a shared VM) and the share busy."""
    if not before or not after:
        return {}
    spent = [b - a for a, b in zip(before, after)]
    total = sum(spent[:8]) or 1
    return {"steal_share": round(spent[7] / total, 3), "busy_share": round(1 - (spent[3] + spent[4]) / total, 3)}


def run_size(persons: int, seed: int, as_of: date, folder: Path, python: str, repeat: int) -> dict:
    policy = default_policy()
    households = households_for(persons, seed, policy, as_of)
    people = sum(max(1, len(h.members)) for h in households)
    wb = build_ledger(policy, households, as_of, people + 10)
    path = folder / f"ledger-{persons}.xlsx"
    wb.save(path)
    spec = folder / f"spec-{persons}.json"
    spec.write_text(json.dumps({"file": str(path), "sheet": SHEET, "repeat": repeat,
                                "edits": edits_for(wb, households, policy)},
                               ensure_ascii=False), encoding="utf-8")
    pipe = f"hxbench{os.getpid()}{persons}"
    with _throwaway_profile() as profile:
        office = subprocess.Popen([find_soffice(), f"-env:UserInstallation={profile}", "--headless", "--invisible",
                                   "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            done = subprocess.run([python, str(ROOT / "benchmarks" / "uno_edit.py"), "--pipe", pipe, "--spec", str(spec)],
                                  capture_output=True, text=True, timeout=3600)
        finally:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()
    if done.returncode != 0:
        sys.exit(f"uno_edit failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    result["persons"] = people
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", default="2000,5000,20000", help="ledger sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=20220414)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2022, 9, 15))
    parser.add_argument("--repeat", type=int, default=5, help="edits of each cell; the median counts")
    parser.add_argument("--keep", type=Path, default=None, help="write the ledgers here (for the manual pass in Excel)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "edit.json")
    args = parser.parse_args(argv)
    python = uno_python()
    sizes = []
    with tempfile.TemporaryDirectory(prefix="hx-bench-edit-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for persons in (int(p) for p in args.persons.split(",")):
            started, counters = time.perf_counter(), cpu_times()
            result = run_size(persons, args.seed, args.as_of, folder, python, args.repeat)
            quiet = busy_share(counters, cpu_times())
            edits = result["edits"]
            worst = max(edits, key=lambda e: e["edit_ms"])
            over = sorted({e["header"] for e in edits if e["edit_ms"] > GOAL_MS})
            slowest = max(edits, key=lambda e: e["edit_max_ms"])
            print(f"\n{result['persons']:,} persons: loaded in {result['load_s']} s, full recalculation "
                  f"{result['calculate_all_s']} s ({time.perf_counter() - started:.0f} s in all; CPU stolen by the host "
                  f"{quiet.get('steal_share', 0):.1%}, busy {quiet.get('busy_share', 0):.0%} of all cores)")
            for edit in sorted(edits, key=lambda e: -e["edit_ms"])[:12]:
                print(f"  {edit['header']:<22} {edit['where']}  {edit['edit_ms']:8.1f} ms"
                      f"  (slowest of {args.repeat}: {edit['edit_max_ms']:.1f} ms)")
            print(f"  worst: {worst['header']} ({worst['where']}) {worst['edit_ms']} ms; "
                  f"over {GOAL_MS} ms: {len(over)} column(s) {'、'.join(over)}; slowest single edit: "
                  f"{slowest['header']} ({slowest['where']}) {slowest['edit_max_ms']} ms")
            sizes.append({"persons": result["persons"], "load_s": result["load_s"],
                          "calculate_all_s": result["calculate_all_s"], "worst_column": worst["key"],
                          "worst_ms": worst["edit_ms"], "columns_over_goal": over, "repeat": args.repeat,
                          "slowest_single_ms": slowest["edit_max_ms"], **quiet,
                          "edits": [{k: e[k] for k in ("key", "where", "edit_ms", "edit_max_ms", "restore_ms",
                                                        "samples_ms")} for e in edits]})
    row = {"benchmark": "bench_edit", "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "goal_ms": GOAL_MS, "sizes": sizes, "python": platform.python_version(), "machine": platform.machine()}
    append_result(args.output, row)
    return row


if __name__ == "__main__":
    main()
