"""bench_national: real data at district scale (issue 20, point 6) — the national export read and validated, imported
into 22 township ledgers, and next month's export merged into a large ledger — each against the cost of simply
reading (or reading and writing) the same workbooks.

    nice python benchmarks/bench_national.py [--persons 50000] [--ledger-persons 20000] [--repeat 1]

Builds, before any timing (not timed): a fictional national export of about --persons people spread over the 22
built-in townships (hx_excel.samples.national's columns and spellings; households from `generate_households`), and a
青岩镇 ledger of about --ledger-persons people generated from an export of that size. Then, each measured run in a
fresh subprocess (its own peak RSS; the time counts from after the imports), timed with `time.perf_counter`:
  (1) read:   `read_roster(export)` — headers recognised, every cell converted and validated, households built
              vs  python-calamine reading the export's sheet (`to_python()`) — goal ≤ 3;
  (2) import: `generate(settings, policy, out, roster=export)` — 22 township ledgers written
              vs  openpyxl writing the same cells (the roster's typed values at the same places, plus each ledger's
              formula texts copied from the template) plainly into 22 workbooks — goal ≤ 2;
  (3) sync:   `import_into(next_month, ledger)` — a fresh copy of the large ledger, next month's export (the same with
              2 % of the households gone and 2 % new) merged in and saved
              vs  openpyxl `load_workbook(ledger)` + `save` — goal ≤ 2.
Writes one JSON line to benchmarks/results/national.json and prints a table. No assertions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from results_io import RESULT, append_result, children_peak_rss_mb, measure, peak_rss_mb  # noqa: E402

GOALS = {"read": 3.0, "import": 2.0, "sync": 2.0}


# ---- the worker ----------------------------------------------------------------------------------------------

def worker(spec: dict) -> dict:
    kind, paths = spec["kind"], {k: Path(v) for k, v in spec["paths"].items()}
    if kind == "read_ours":
        from hx_excel.districts import load_settings
        from hx_excel.policy import default_policy
        from hx_excel.roster import read_roster
        settings, policy = load_settings(None), default_policy()
        start = time.perf_counter()
        roster = read_roster(paths["export"], settings, policy)
        return {"s": time.perf_counter() - start, "households": len(roster.households)}
    if kind == "read_bare":
        from python_calamine import CalamineWorkbook
        start = time.perf_counter()
        workbook = CalamineWorkbook.from_path(str(paths["export"]))
        rows = workbook.get_sheet_by_index(0).to_python()
        return {"s": time.perf_counter() - start, "rows": len(rows)}
    if kind == "import_ours":
        from hx_excel.districts import load_settings
        from hx_excel.operations.generate import generate
        from hx_excel.policy import default_policy
        settings, policy = load_settings(None), default_policy()
        start = time.perf_counter()
        run = generate(settings, policy, paths["out"], roster=paths["export"], force=True)
        return {"s": time.perf_counter() - start, "workbooks": len(run.workbooks)}
    if kind == "import_plain":
        import openpyxl
        cells = json.loads(paths["cells"].read_text(encoding="utf-8"))
        start = time.perf_counter()
        for name, sheet in cells.items():
            wb = openpyxl.Workbook()
            ws = wb.active
            for row, column, value in sheet:
                ws.cell(row, column, value)
            wb.save(paths["out"] / f"{name}.xlsx")
        return {"s": time.perf_counter() - start, "workbooks": len(cells)}
    if kind == "sync_ours":
        from hx_excel.districts import load_settings
        from hx_excel.operations.sync import import_into
        from hx_excel.policy import default_policy
        settings, policy = load_settings(None), default_policy()
        start = time.perf_counter()
        result = import_into(paths["next"], paths["ledger"], policy, settings=settings)
        return {"s": time.perf_counter() - start, "cells": result.edited.edits.cells}
    if kind == "sync_plain":
        import openpyxl
        start = time.perf_counter()
        wb = openpyxl.load_workbook(paths["ledger"])
        wb.save(paths["ledger"].with_name("plain.xlsx"))
        return {"s": time.perf_counter() - start}
    raise ValueError(kind)


# ---- the data ----------------------------------------------------------------------------------------------------

def build(folder: Path, persons: int, ledger_persons: int) -> dict[str, Path]:
    from hx_excel.districts import DistrictSettings, load_settings
    from hx_excel.operations.generate import generate
    from hx_excel.policy import default_policy
    from hx_excel.samples.generate import generate_households
    from hx_excel.samples.national import export_workbook
    policy = default_policy()
    names = [t.name for t in load_settings(None).townships]
    households = generate_households(max(1, persons // 3), 20220714, policy, date(2022, 7, 15))
    spread = [h.model_copy(update={"household_id": f"5201111{n + 1:011d}", "township": names[n % len(names)]})
              for n, h in enumerate(households)]
    export = folder / "全区导出.xlsx"
    export_workbook(spread).save(export)
    # the large 青岩镇 ledger, and next month's export of it: 2 % of its households gone, 2 % new
    local = [h.model_copy(update={"household_id": f"5201112{n + 1:011d}", "township": "青岩镇"})
             for n, h in enumerate(generate_households(max(1, ledger_persons // 3), 20220715, policy, date(2022, 7, 15)))]
    this_month = folder / "青岩镇七月.xlsx"
    export_workbook(local).save(this_month)
    qingyan = DistrictSettings(townships=[t for t in load_settings(None).townships if t.name == "青岩镇"],
                               rows=int(ledger_persons * 1.1) + 500)   # room for next month: the merge, not extend, is timed
    run = generate(qingyan, policy, folder / "ledger", roster=this_month)
    ledger = next(w.path for w in run.workbooks if not w.refused)
    cut = max(1, len(local) // 50)
    fresh = [h.model_copy(update={"household_id": f"5201113{n + 1:011d}", "township": "青岩镇"})
             for n, h in enumerate(generate_households(cut, 20220716, policy, date(2022, 7, 15)))]
    next_month = folder / "青岩镇八月.xlsx"
    export_workbook(local[cut:] + fresh).save(next_month)
    # the plain baseline of (2): what generate writes, cell for cell, from a run kept aside
    kept = folder / "kept"
    generate(load_settings(None), policy, kept, roster=export)
    import openpyxl
    cells = {}
    for path in sorted(kept.glob("*防贫监测台账*.xlsx")):
        ws = openpyxl.load_workbook(path)["台账"]
        cells[path.stem] = [(c.row, c.column, c.value if not hasattr(c.value, "isoformat") else c.value.isoformat())
                            for row in ws.iter_rows() for c in row if c.value is not None]
    cells_file = folder / "cells.json"
    cells_file.write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    return {"export": export, "ledger": ledger, "next": next_month, "cells": cells_file}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--ledger-persons", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "national.json")
    parser.add_argument("--keep", type=Path, help="build the data into this folder once and reuse it on later runs")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        result = worker(json.loads(args.worker))
        result["peak_rss_mb"] = peak_rss_mb()
        result["children_peak_rss_mb"] = children_peak_rss_mb()     # generate's builder processes
        print(RESULT + json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        built = folder / f"built-{args.persons}-{args.ledger_persons}.json"
        if built.exists():
            data = {k: Path(v) for k, v in json.loads(built.read_text(encoding="utf-8")).items()}
            print(f"reusing the data in {folder}", flush=True)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            with warnings.catch_warnings():      # openpyxl cannot keep the ledger's formula print area: harmless here
                warnings.simplefilter("ignore", UserWarning)
                data = build(folder, args.persons, args.ledger_persons)
            built.write_text(json.dumps({k: str(v) for k, v in data.items()}), encoding="utf-8")
            print(f"built the data in {time.perf_counter() - start:.0f} s", flush=True)
        out = folder / "out"
        plain = folder / "plain"
        for place in (out, plain):
            shutil.rmtree(place, ignore_errors=True)
            place.mkdir()
        ledger_copy = folder / "sync" / data["ledger"].name

        def fresh_ledger():
            ledger_copy.parent.mkdir(exist_ok=True)
            for stale in ledger_copy.parent.iterdir():
                stale.unlink()
            shutil.copy(data["ledger"], ledger_copy)
        paths = {k: str(v) for k, v in data.items()}
        rows = {}
        for name, ours, bare, extra, before in (
                ("read", "read_ours", "read_bare", {}, None),
                ("import", "import_ours", "import_plain", {"out": str(out)}, None),
                ("sync", "sync_ours", "sync_plain", {"ledger": str(ledger_copy)}, fresh_ledger)):
            spec = {"paths": {**paths, **extra, "out": str(out if ours == "import_ours" else plain)}}
            mine = measure(__file__, {**spec, "kind": ours}, args.repeat, before)
            baseline = measure(__file__, {**spec, "kind": bare}, args.repeat, before)
            rows[name] = {"s": round(mine["s"], 2), "baseline_s": round(baseline["s"], 2),
                          "ratio": round(mine["s"] / baseline["s"], 2), "goal": GOALS[name],
                          "peak_rss_mb": round(mine["peak_rss_mb"]), "baseline_peak_rss_mb": round(baseline["peak_rss_mb"]),
                          "workers_peak_rss_mb": round(mine["children_peak_rss_mb"])}
            workers = f" (+ each builder process up to {rows[name]['workers_peak_rss_mb']} MB)" \
                if rows[name]["workers_peak_rss_mb"] else ""
            print(f"{name:7s} {rows[name]['s']:8.2f} s  baseline {rows[name]['baseline_s']:8.2f} s  "
                  f"ratio {rows[name]['ratio']:5.2f} (goal ≤ {GOALS[name]})  peak {rows[name]['peak_rss_mb']} MB{workers}",
                  flush=True)
    append_result(args.output, {"bench": "national", "persons": args.persons, "ledger_persons": args.ledger_persons,
                                "python": sys.version.split()[0], **rows})


if __name__ == "__main__":
    main()
