"""bench_guard: what never losing a clerk's work costs when the district regenerates its townships' workbooks.

    python benchmarks/bench_guard.py [--rows 1000] [--townships 22]

`hx-excel generate` builds every workbook into a temporary file, compares each existing target with it
(hx_excel.files.content) and checks the target again just before replacing it. Timed with `time.perf_counter`,
all through `hx_excel.operations.generate.generate` into one folder:
  (a) first:      the folder is empty (nothing to compare);
  (b) untouched:  every workbook is there as we wrote it (the byte-identical parts answer at once);
  (c) re-saved:   every workbook was opened and saved again by another program — simulated by an openpyxl load and
                  save, which rewrites every part — so each is compared cell by cell, name by name.
Baseline: simply reading and writing the same workbooks — `build_workbook` + `save` of each new workbook, plus
reading every cell of the existing one (openpyxl read-only) — what any regeneration that looks before it writes
must pay. Reports (b) and (c) as ratios to the baseline. Writes one JSON line to benchmarks/results/guard.json.
No assertions.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import openpyxl  # noqa: E402

from bench_generate import township_names  # noqa: E402
from hx_excel.districts import settings_from_data  # noqa: E402
from hx_excel.operations.generate import generate  # noqa: E402
from hx_excel.ledger.template import DEFAULT_ROWS, build_workbook  # noqa: E402
from hx_excel.policy import default_policy  # noqa: E402
from results_io import append_result  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")


def timed(action) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def baseline(paths: list[Path], settings, policy, folder: Path) -> float:
    """Build and save each workbook, and read every cell of the one already there."""
    def run():
        for path, township in zip(paths, settings.townships):
            wb = openpyxl.load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
            wb.close()
            build_workbook(policy, township=township.name, county=township.area, villages=tuple(township.villages),
                           rows=settings.rows).save(folder / path.name)
    return timed(run)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"formula rows per ledger (default {DEFAULT_ROWS})")
    parser.add_argument("--townships", type=int, default=22, help="how many township workbooks (default 22)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "guard.json")
    args = parser.parse_args(argv)

    policy = default_policy()
    builtin = {t.name for t in settings_from_data({}).townships}
    names = [n for n in township_names(args.townships) if n in builtin][: args.townships]
    settings = settings_from_data({"rows": args.rows, "townships": [{"name": n} for n in names]})
    with tempfile.TemporaryDirectory(prefix="hx-bench-guard-") as tmp:
        out, plain = Path(tmp) / "out", Path(tmp) / "plain"
        plain.mkdir()
        first = timed(lambda: generate(settings, policy, out))
        paths = sorted(out.glob("*.xlsx"))
        untouched = timed(lambda: generate(settings, policy, out))
        for path in paths:   # another program saves each one, changing nothing a clerk typed
            openpyxl.load_workbook(path).save(path)
        resaved_run = []
        resaved = timed(lambda: resaved_run.append(generate(settings, policy, out)))
        replaced = sum(1 for w in resaved_run[0].workbooks if w.replaced)
        base = baseline(paths, settings, policy, plain)

    row = {
        "benchmark": "bench_guard",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "townships": len(names), "rows": args.rows,
        "first_s": round(first, 3), "untouched_s": round(untouched, 3), "resaved_s": round(resaved, 3),
        "baseline_s": round(base, 3),
        "untouched_ratio": round(untouched / base, 3), "resaved_ratio": round(resaved / base, 3),
        "resaved_regenerated": replaced,
        "python": platform.python_version(), "openpyxl": openpyxl.__version__, "machine": platform.machine(),
    }
    print(f"{len(names)} workbooks × {args.rows} rows")
    print(f"baseline (read the old, build and write the new)  {base:7.2f} s")
    print(f"first run, empty folder                           {first:7.2f} s  ({first / base:.2f}×)")
    print(f"again, files untouched                            {untouched:7.2f} s  ({untouched / base:.2f}×)")
    print(f"again, every file re-saved by another program     {resaved:7.2f} s  ({resaved / base:.2f}×, "
          f"{replaced} of {len(names)} regenerated)")
    append_result(args.output, row)
    return row


if __name__ == "__main__":
    main()
