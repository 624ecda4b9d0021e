"""bench_generate: what the ledger's formatting costs when generating the townships' workbooks.

    python benchmarks/bench_generate.py [--rows 1000] [--townships 22] [--profile]

For each township of /work/shared/reference/townships.csv (or numbered names when that file is missing), timed
with `time.perf_counter`:
  (a) template: `build_workbook(policy, township=name, rows=ROWS)` + `save`, the way the district generates the
      townships' ledgers (formulas, styles, validation, conditional formats, comments, names, protection);
  (b) baseline: a plain openpyxl `Workbook` with the same sheets and the *same cells* — the same values and formula
      texts in the same positions, copied from the workbook of (a) before timing — and nothing else (no styles,
      number formats, validation, comments, names, merged cells or sheet settings), + `save`.
Reports the ratio (a) / (b) (goal ≤ 2) and the file sizes. With --profile, runs cProfile over (a) for one township and
prints where the time goes. Writes one JSON line to benchmarks/results/generate.json. No assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import platform
import pstats
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import openpyxl  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402  (shared formulas are written as ArrayFormula subclasses)

from hx_excel.ledger.template import DEFAULT_ROWS, build_workbook  # noqa: E402
from hx_excel.policy import default_policy, load_policy  # noqa: E402
from results_io import append_result  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

TOWNSHIPS_CSV = ROOT.parent / "shared" / "reference" / "townships.csv"

Cells = list[tuple[str, list[tuple[int, int, object]]]]


def township_names(count: int, source: Path = TOWNSHIPS_CSV) -> list[str]:
    names: list[str] = []
    if source.is_file():
        with source.open(encoding="utf-8", newline="") as handle:
            names = [row["name"] for row in csv.DictReader(handle) if row.get("name")]
    names += [f"乡镇{i:02d}" for i in range(len(names) + 1, count + 1)]
    return names[:count]


def cells_of(wb: Workbook) -> Cells:
    """Every cell holding a value, per sheet in order: (sheet title, [(row, column, value)]).

    Reads the worksheet's cell store directly: `iter_rows` would create every empty cell of the used range.
    Merged-away cells and cells with only a style hold None and are left out.
    """
    sheets = []
    for ws in wb.worksheets:
        cells = [(r, c, cell.value) for (r, c), cell in ws._cells.items() if cell.value is not None]
        cells.sort(key=lambda t: (t[0], t[1]))
        sheets.append((ws.title, cells))
    return sheets


def write_plain(sheets: Cells, path: Path) -> None:
    """The baseline: the same cells in a plain workbook, nothing else."""
    wb = Workbook()
    first = True
    for title, cells in sheets:
        if first:
            ws = wb.active
            ws.title = title
            first = False
        else:
            ws = wb.create_sheet(title)
        for row, column, value in cells:
            ws.cell(row, column, value)
    wb.save(path)


def _profile(policy, township: str, rows: int, path: Path, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    build_workbook(policy, township=township, rows=rows).save(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS,
                        help=f"formula rows per ledger (default {DEFAULT_ROWS})")
    parser.add_argument("--townships", type=int, default=22, help="how many township workbooks (default 22)")
    parser.add_argument("--policy", type=Path, default=None, help="a user policy TOML (default: the shipped one)")
    parser.add_argument("--keep", type=Path, default=None, help="write the workbooks here instead of a temp folder")
    parser.add_argument("--profile", action="store_true", help="also cProfile generating one township's workbook")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print (default 25)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "generate.json")
    args = parser.parse_args(argv)

    policy = load_policy(args.policy) if args.policy else default_policy()
    names = township_names(args.townships)

    with tempfile.TemporaryDirectory(prefix="hx-bench-generate-") as tmp:
        folder = args.keep or Path(tmp)
        (folder / "ledger").mkdir(parents=True, exist_ok=True)
        (folder / "plain").mkdir(parents=True, exist_ok=True)
        template_s = plain_s = 0.0
        template_bytes = plain_bytes = 0
        cell_count = formula_count = 0
        per_township = []
        for index, name in enumerate(names, start=1):
            ledger_path = folder / "ledger" / f"{index:02d}-{name}.xlsx"
            plain_path = folder / "plain" / f"{index:02d}-{name}.xlsx"
            gc.collect()
            t0 = time.perf_counter()
            wb = build_workbook(policy, township=name, rows=args.rows)
            wb.save(ledger_path)
            t1 = time.perf_counter()
            sheets = cells_of(wb)  # not timed
            del wb
            gc.collect()
            t2 = time.perf_counter()
            write_plain(sheets, plain_path)
            t3 = time.perf_counter()
            template_s += t1 - t0
            plain_s += t3 - t2
            size_a, size_b = ledger_path.stat().st_size, plain_path.stat().st_size
            template_bytes += size_a
            plain_bytes += size_b
            cells = sum(len(c) for _, c in sheets)
            formulas = sum(1 for _, c in sheets for *_, v in c
                           if isinstance(v, ArrayFormula) or (isinstance(v, str) and v.startswith("=")))
            cell_count, formula_count = cells, formulas  # the same for every township
            per_township.append({"township": name, "template_s": round(t1 - t0, 3), "plain_s": round(t3 - t2, 3),
                                 "template_bytes": size_a, "plain_bytes": size_b})
            print(f"{index:2d} {name:<12} template {t1 - t0:6.2f} s {size_a / 1024:7.0f} KiB   "
                  f"plain {t3 - t2:6.2f} s {size_b / 1024:7.0f} KiB", flush=True)

        profile_text = None
        if args.profile:
            profile_text = _profile(policy, names[0], args.rows, folder / "profile.xlsx", args.top)

    ratio = template_s / plain_s if plain_s else None
    n = len(names)
    result_row = {
        "benchmark": "bench_generate",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "townships": n,
        "rows": args.rows,
        "cells_per_workbook": cell_count,
        "formulas_per_workbook": formula_count,
        "template_s": round(template_s, 3),
        "plain_s": round(plain_s, 3),
        "ratio": round(ratio, 3) if ratio else None,
        "goal_ratio": 2.0,
        "template_s_per_workbook": round(template_s / n, 3),
        "plain_s_per_workbook": round(plain_s / n, 3),
        "template_kib_per_workbook": round(template_bytes / n / 1024, 1),
        "plain_kib_per_workbook": round(plain_bytes / n / 1024, 1),
        "template_mib_total": round(template_bytes / 2**20, 2),
        "plain_mib_total": round(plain_bytes / 2**20, 2),
        "size_ratio": round(template_bytes / plain_bytes, 3) if plain_bytes else None,
        "per_township": per_township,
        "python": platform.python_version(),
        "openpyxl": openpyxl.__version__,
        "machine": platform.machine(),
    }
    print(f"{n} workbooks × {args.rows} rows ({cell_count:,} cells, {formula_count:,} formulas each)")
    print(f"template  {template_s:8.2f} s  ({template_s / n:.2f} s each)  {template_bytes / 2**20:7.2f} MiB")
    print(f"plain     {plain_s:8.2f} s  ({plain_s / n:.2f} s each)  {plain_bytes / 2**20:7.2f} MiB")
    print(f"ratio template / plain: {ratio:.2f} (goal ≤ 2)   size ratio {result_row['size_ratio']:.2f}")
    if profile_text:
        print(profile_text)

    append_result(args.output, result_row)
    return result_row


if __name__ == "__main__":
    main()
