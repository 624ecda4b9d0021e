"""bench_recalc: what the ledger's formulas cost LibreOffice on a large township ledger.

    python benchmarks/bench_recalc.py [--persons 5000] [--seed 20220414] [--repeat 2]

Builds a ledger of about 5,000 people (fictional households from `generate_households`, the shortest prefix reaching
--persons; written with `RowWriter` into `build_workbook(rows=persons + 10)`), then, timed with `time.perf_counter`:
  (a) formulas: `recalculate([ledger])` — one soffice call: start, load, recalculate every formula, save;
  (b) values:   the same `recalculate` call on a copy of the same workbook in which every formula is replaced by the
      value LibreOffice computed for it in (a) (same styles, validation, conditional formats, names, protection).
Each conversion runs --repeat times (default 2) and the fastest counts, to damp noise on a shared machine.
Reports the ratio (a) / (b) (goal ≤ 3) and the file sizes. Writes one JSON line to benchmarks/results/recalc.json.
No assertions.

LibreOffice cannot be profiled from Python, so `--profile` measures by ablation: for each formula column of 台账 (and
the 参数 and 统计 sheets as wholes), a copy of the values workbook with formulas back in that column only, recalculated
once; its time minus the values workbook's time is that column's cost on its own. `--profile KEY,KEY…` limits it to
those schema keys (e.g. `--profile hh_members,row_check,s_grade`). About 8 s per column at 5,000 people.
"""

from __future__ import annotations

import argparse
import math
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import openpyxl  # noqa: E402

from hx_excel.ledger.schema import SHEET  # noqa: E402
from hx_excel.ledger.template import VILLAGE_SLOTS, build_workbook  # noqa: E402
from hx_excel.ledger.writer import RowWriter, person_count  # noqa: E402
from hx_excel.office.libreoffice import find_soffice, recalculate  # noqa: E402
from hx_excel.policy import default_policy, load_policy  # noqa: E402
from hx_excel.samples.generate import generate_households  # noqa: E402
from results_io import append_result  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

SPARE_ROWS = 10


def households_for(persons: int, seed: int, policy, as_of: date) -> list:
    """The shortest prefix of the seeded households with at least `persons` people (the generator is prefix-stable)."""
    count = math.ceil(persons / 2.5) + 10
    while True:
        households = generate_households(count, seed, policy, as_of)
        total = 0
        for i, household in enumerate(households):
            total += max(1, len(household.members))
            if total >= persons:
                return households[: i + 1]
        count *= 2


def build_ledger(policy, households, as_of: date, rows: int):
    """The households' ledger, its village list filled from them as a township's would be (so 统计 computes)."""
    villages = tuple(dict.fromkeys(h.village for h in households if h.village))[:VILLAGE_SLOTS]
    wb = build_workbook(policy, township="青岩镇", villages=villages, as_of=as_of, rows=rows)
    RowWriter(wb[SHEET]).write(households)
    return wb


def replace_formulas(wb, recalculated: Path) -> int:
    """Put LibreOffice's value in place of every formula of `wb`; return how many were replaced."""
    values = openpyxl.load_workbook(recalculated, data_only=True)
    replaced = 0
    for ws in wb.worksheets:
        computed = values[ws.title]
        for (row, column), cell in list(ws._cells.items()):  # the cell store: iter_rows would create empty cells
            if cell.data_type == "f":
                cell.value = computed.cell(row, column).value
                replaced += 1
    return replaced


def formula_cells(wb) -> dict[tuple[str, int], list[tuple[int, int, str]]]:
    """Every formula of `wb` grouped by (sheet, column) — on 台账 one group per schema column."""
    groups: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
    for ws in wb.worksheets:
        for (row, column), cell in ws._cells.items():
            if cell.data_type == "f":
                key = (ws.title, column if ws.title == SHEET else 0)
                groups.setdefault(key, []).append((row, column, cell.value))
    return groups


def profile_columns(wb_values, groups, keys: list[str] | None, folder: Path, base_s: float) -> list[dict]:
    """Per formula column: recalculation time with formulas in that column only (all else values), minus `base_s`."""
    from hx_excel.ledger.schema import COLUMNS

    by_index = {i: c.key for i, c in enumerate(COLUMNS, start=1)}
    wanted = []
    for (sheet, column), cells in groups.items():
        key = by_index[column] if sheet == SHEET else sheet
        if keys is None or key in keys:
            wanted.append((key, sheet, cells))
    rows = []
    for number, (key, sheet, cells) in enumerate(wanted, start=1):
        ws = wb_values[sheet]
        saved = [(r, c, ws.cell(r, c).value) for r, c, _ in cells]
        for r, c, text in cells:
            ws.cell(r, c).value = text
        path = folder / "profile" / f"{number:03d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        wb_values.save(path)
        for r, c, value in saved:
            ws.cell(r, c).value = value
        t0 = time.perf_counter()
        recalculate([path], folder / "profile" / "out")
        elapsed = time.perf_counter() - t0
        path.unlink()
        rows.append({"column": key, "sheet": sheet, "formulas": len(cells), "recalc_s": round(elapsed, 3),
                     "extra_s": round(elapsed - base_s, 3)})
        print(f"  {number:3d}/{len(wanted)} {key:<26} {len(cells):6,} formulas  {elapsed:6.2f} s  "
              f"(+{elapsed - base_s:5.2f} s)", flush=True)
    rows.sort(key=lambda row: -row["extra_s"])
    return rows


def timed_recalculate(path: Path, outdir: Path, repeat: int) -> tuple[float, list[float], Path]:
    times = []
    out = None
    for attempt in range(repeat):
        target = outdir / f"run{attempt + 1}"
        t0 = time.perf_counter()
        out = recalculate([path], target)[0]
        times.append(time.perf_counter() - t0)
    return min(times), times, out


def _soffice_version() -> str | None:
    soffice = find_soffice()
    if not soffice:
        return None
    try:
        return subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5000, help="people in the ledger (default 5000)")
    parser.add_argument("--seed", type=int, default=20220414)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2022, 9, 15), help="assessment date")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each conversion; the fastest counts (default 2)")
    parser.add_argument("--policy", type=Path, default=None, help="a user policy TOML (default: the shipped one)")
    parser.add_argument("--keep", type=Path, default=None, help="write the workbooks here instead of a temp folder")
    parser.add_argument("--profile", nargs="?", const="", default=None, metavar="KEYS",
                        help="also time each formula column on its own (optionally only these comma-separated keys)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "recalc.json")
    args = parser.parse_args(argv)

    policy = load_policy(args.policy) if args.policy else default_policy()
    households = households_for(args.persons, args.seed, policy, args.as_of)
    persons = person_count(households)
    rows = persons + SPARE_ROWS
    print(f"{len(households):,} households, {persons:,} people, {rows:,} formula rows", flush=True)

    with tempfile.TemporaryDirectory(prefix="hx-bench-recalc-") as tmp:
        folder = args.keep or Path(tmp)
        (folder / "in").mkdir(parents=True, exist_ok=True)
        formulas_path = folder / "in" / "ledger-formulas.xlsx"
        values_path = folder / "in" / "ledger-values.xlsx"

        t0 = time.perf_counter()
        build_ledger(policy, households, args.as_of, rows).save(formulas_path)
        build_s = time.perf_counter() - t0

        formulas_s, formulas_runs, recalculated = timed_recalculate(formulas_path, folder / "out-formulas", args.repeat)
        print(f"(a) formulas: {', '.join(f'{t:.2f}' for t in formulas_runs)} s", flush=True)

        t0 = time.perf_counter()
        wb = build_ledger(policy, households, args.as_of, rows)  # the same workbook again, in memory
        groups = formula_cells(wb) if args.profile is not None else {}
        replaced = replace_formulas(wb, recalculated)
        wb.save(values_path)
        values_build_s = time.perf_counter() - t0

        values_s, values_runs, values_out = timed_recalculate(values_path, folder / "out-values", args.repeat)
        print(f"(b) values:   {', '.join(f'{t:.2f}' for t in values_runs)} s", flush=True)

        profile = None
        if args.profile is not None:
            keys = [k.strip() for k in args.profile.split(",") if k.strip()] or None
            print(f"profile: one formula column at a time (values workbook: {values_s:.2f} s)", flush=True)
            profile = profile_columns(wb, groups, keys, folder, values_s)
        del wb

        sizes = {
            "formulas_kib": formulas_path.stat().st_size / 1024,
            "formulas_recalculated_kib": recalculated.stat().st_size / 1024,
            "values_kib": values_path.stat().st_size / 1024,
            "values_converted_kib": values_out.stat().st_size / 1024,
        }

    ratio = formulas_s / values_s if values_s else None
    result_row = {
        "benchmark": "bench_recalc",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "households": len(households),
        "persons": persons,
        "rows": rows,
        "seed": args.seed,
        "as_of": args.as_of.isoformat(),
        "formulas_replaced": replaced,
        "repeat": args.repeat,
        "formulas_s": round(formulas_s, 3),
        "values_s": round(values_s, 3),
        "formulas_runs_s": [round(t, 3) for t in formulas_runs],
        "values_runs_s": [round(t, 3) for t in values_runs],
        "ratio": round(ratio, 3) if ratio else None,
        "goal_ratio": 3.0,
        "build_s": round(build_s, 3),
        "values_build_s": round(values_build_s, 3),
        **{k: round(v, 1) for k, v in sizes.items()},
        "profile": profile,
        "python": platform.python_version(),
        "openpyxl": openpyxl.__version__,
        "soffice": _soffice_version(),
        "machine": platform.machine(),
    }
    print(f"formulas workbook {sizes['formulas_kib']:8.0f} KiB -> recalculated "
          f"{sizes['formulas_recalculated_kib']:8.0f} KiB")
    print(f"values workbook   {sizes['values_kib']:8.0f} KiB -> converted    {sizes['values_converted_kib']:8.0f} KiB")
    print(f"recalculate: formulas {formulas_s:.2f} s, values {values_s:.2f} s (fastest of {args.repeat}); "
          f"ratio {ratio:.2f} (goal ≤ 3); {replaced:,} formulas replaced by values")

    if profile:
        print("formula columns by their own cost (time with only that column's formulas − values workbook):")
        for row in profile[:15]:
            print(f"  {row['column']:<26} {row['formulas']:6,} formulas  +{row['extra_s']:6.2f} s")
    append_result(args.output, result_row)
    return result_row


if __name__ == "__main__":
    main()
