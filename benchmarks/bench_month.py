"""bench_month: what a month's routine costs on large ledgers — check, fill and the district's summary — against
simply reading (or reading and writing) the same files.

    nice python benchmarks/bench_month.py [--persons 10000] [--township-persons 2000] [--townships 22] [--repeat 2]

Builds, before any timing (not timed): a ledger of about --persons people (bench_recalc's households and
`build_ledger`, saved by openpyxl), its copy recalculated by LibreOffice when soffice is installed (cached values
present, as in a file a clerk saved in Excel), and --townships ledgers of about --township-persons people (one
ledger built once and copied under each township's name, its 乡镇 changed in the copy). Then, each measured run in a
fresh subprocess of its own (so every run has its own peak RSS; the time counts from after the imports and the
policy load, the peak includes them), timed with `time.perf_counter`:
  (1) check:   `check_files([ledger], policy)`                      vs  python-calamine reading the 台账 sheet
               (`CalamineWorkbook.from_path(p).get_sheet_by_name("台账").to_python()`), for the openpyxl-saved
               ledger and for the LibreOffice-recalculated one — goal ≤ 2;
  (2) fill:    `edit_ledger(copy, lambda wb, book: fill_workbook(wb, book, policy))` on a fresh copy of the ledger
               (copied before the subprocess starts)                 vs  openpyxl `load_workbook(p)` + `wb.save(other)`
               — goal ≤ 1.5;
  (3) summary: `read_ledgers` + `summarize` + `summary_workbook` + `save_report` over the township ledgers
                                                                     vs  calamine reading the 台账 sheet of each — goal ≤ 2.
Each runs --repeat times (default 2) and the fastest counts; the peak RSS is the largest of the runs. Writes one JSON
line to benchmarks/results/month.json and prints a table. `--profile check,fill,summary` also runs those operations
once more under cProfile (not timed) and prints where the time goes. No assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, datetime, timezone
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))  # runnable from a checkout without installing the package

SHEET_NAME = "台账"
GOALS = {"check": 2.0, "fill": 1.5, "summary": 2.0}
RESULT = "RESULT "

from results_io import append_result, children_peak_rss_mb, peak_rss_mb  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


# ---- the worker: one measured operation in a process of its own -------------------------------------------------

def _rss_now_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def worker(spec: dict) -> dict:
    """Run spec["op"] once on spec["paths"]; its time, the RSS before it and the process's peak RSS."""
    op, paths = spec["op"], [Path(p) for p in spec["paths"]]
    t_import = time.perf_counter()
    if op == "calamine":
        from python_calamine import CalamineWorkbook

        def run() -> dict:
            rows = 0
            for path in paths:
                rows += len(CalamineWorkbook.from_path(path).get_sheet_by_name(SHEET_NAME).to_python())
            return {"rows": rows}
    elif op == "openpyxl":
        from openpyxl import load_workbook

        def run() -> dict:
            wb = load_workbook(paths[0])
            wb.save(spec["out"])
            return {}
    else:
        from hx_excel.policy import default_policy, load_policy

        policy = load_policy(Path(spec["policy"])) if spec.get("policy") else default_policy()
        if op == "check":
            from hx_excel.operations.check import check_files

            def run() -> dict:
                result = check_files(paths, policy)
                return {"findings": len(result.findings), "errors": len(result.errors), "read": len(result.read)}
        elif op == "fill":
            from hx_excel.operations.editing import edit_ledger
            from hx_excel.operations.fill import fill_workbook

            def run() -> dict:
                done = edit_ledger(paths[0], lambda wb, book: fill_workbook(wb, book, policy))
                return {"cells": done.edits.cells, "sheets": done.edits.sheets, "saved": done.saved}
        elif op == "summary":
            from hx_excel.files.report import save_report
            from hx_excel.operations.summary import read_ledgers, summarize, summary_workbook

            as_of = date.fromisoformat(spec["as_of"])
            month = f"{as_of:%Y-%m}"

            def run() -> dict:
                ledgers, unread = read_ledgers(paths, policy, as_of, skip=[spec["out"]])
                summary = summarize(ledgers, month, unread)
                save_report(summary_workbook(summary), spec["out"], sources=paths, what="月报")
                return {"ledgers": len(ledgers), "unread": len(unread),
                        "households": sum(f.households for f in summary.files),
                        "persons": sum(f.persons for f in summary.files),
                        "overdue": len(summary.overdue), "accountability": len(summary.accountability)}
        else:
            raise SystemExit(f"unknown operation {op!r}")
    import_s = time.perf_counter() - t_import
    rss_before = _rss_now_mb()
    profile = spec.get("profile")
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        info = run()
        profiler.disable()
        seconds = time.perf_counter() - t0
        profiler.dump_stats(profile)
    else:
        t0 = time.perf_counter()
        info = run()
        seconds = time.perf_counter() - t0
    return {"op": op, "seconds": seconds, "import_s": import_s, "rss_before_mb": rss_before,
            "peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": children_peak_rss_mb(), "info": info}


def measure(spec: dict) -> dict:
    """`worker(spec)` in a fresh Python process (this script with --worker)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec, ensure_ascii=False)]
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        raise RuntimeError(f"worker {spec['op']} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1][len(RESULT):])


# ---- building the ledgers (not timed) ----------------------------------------------------------------------------

def rename_township(source: Path, target: Path, old: str, new: str) -> None:
    """A copy of `source` whose text `old` (the township's name, on 参数 and in titles) reads `new` in every XML part,
    written as UTF-8 or as character references (openpyxl writes an inline string's non-ASCII text as &#38738;…)."""
    pairs = [(old.encode(), new.encode()),
             ("".join(f"&#{ord(c)};" for c in old).encode(), "".join(f"&#{ord(c)};" for c in new).encode())]
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                for old_b, new_b in pairs:
                    data = data.replace(old_b, new_b)
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)


def _git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return (head + ("+dirty" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


# ---- the runs ----------------------------------------------------------------------------------------------------

def runs(spec: dict, repeat: int, *, before=None) -> dict:
    """`repeat` measured runs; fastest time, every time, largest peak RSS (and the RSS before the operation)."""
    results = []
    for attempt in range(repeat):
        if before:
            spec = before(attempt, dict(spec))
        results.append(measure(spec))
    fastest = min(results, key=lambda r: r["seconds"])
    return {"s": round(fastest["seconds"], 3), "runs_s": [round(r["seconds"], 3) for r in results],
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
            "children_peak_rss_mb": round(max(r.get("children_peak_rss_mb", 0) for r in results), 1),
            "rss_before_mb": round(fastest["rss_before_mb"], 1) if fastest["rss_before_mb"] else None,
            "import_s": round(fastest["import_s"], 3), "info": fastest["info"]}


def _line(name: str, op: dict, base: dict, goal: float) -> tuple[str, float]:
    ratio = op["s"] / base["s"] if base["s"] else float("nan")
    verdict = "met" if ratio <= goal else "MISSED"
    print(f"  {name:<24} {op['s']:8.2f} s {base['s']:8.2f} s  {ratio:6.2f}  ≤ {goal:<4} {verdict:<6}  "
          f"{op['peak_rss_mb']:7.0f} MB {base['peak_rss_mb']:7.0f} MB"
          + (f"  (+ each reader process up to {op['children_peak_rss_mb']:.0f} MB)" if op.get("children_peak_rss_mb") else ""))
    return name, ratio


def print_profile(path: Path, op: str, seconds: float, limit: int = 25) -> None:
    import pstats

    print(f"\n--- cProfile of {op} ({seconds:.2f} s under the profiler) ---")
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10000, help="people in the large ledger (default 10000)")
    parser.add_argument("--township-persons", type=int, default=2000,
                        help="people in each township's ledger for the summary (default 2000)")
    parser.add_argument("--townships", type=int, default=22, help="township ledgers summed up (default 22)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each operation; the fastest counts (default 2)")
    parser.add_argument("--seed", type=int, default=20220414)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2022, 9, 15),
                        help="assessment date written on 参数 (and the summary's month); default 2022-09-15")
    parser.add_argument("--policy", type=Path, default=None, help="a user policy TOML (default: the shipped one)")
    parser.add_argument("--no-libreoffice", action="store_true", help="skip the LibreOffice-recalculated ledger")
    parser.add_argument("--profile", default="", metavar="OPS",
                        help="also cProfile these operations once (comma-separated: check,fill,summary)")
    parser.add_argument("--keep", type=Path, default=None, help="build the workbooks here instead of a temp folder")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "month.json")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(RESULT + json.dumps(worker(json.loads(args.worker)), ensure_ascii=False), flush=True)
        return None

    import openpyxl

    from bench_generate import township_names
    from bench_recalc import SPARE_ROWS, build_ledger, households_for
    from hx_excel.ledger.writer import person_count
    from hx_excel.office.libreoffice import find_soffice, recalculate
    from hx_excel.policy import default_policy, load_policy

    policy = load_policy(args.policy) if args.policy else default_policy()
    policy_arg = str(args.policy.resolve()) if args.policy else None
    profile_ops = [op.strip() for op in args.profile.split(",") if op.strip()]

    with tempfile.TemporaryDirectory(prefix="hx-bench-month-") as tmp:
        folder = args.keep or Path(tmp)
        (folder / "in").mkdir(parents=True, exist_ok=True)

        # -- build (not timed)
        t0 = time.perf_counter()
        households = households_for(args.persons, args.seed, policy, args.as_of)
        persons = person_count(households)
        ledger = folder / "in" / "ledger.xlsx"
        build_ledger(policy, households, args.as_of, persons + SPARE_ROWS).save(ledger)
        del households
        build_s = time.perf_counter() - t0
        print(f"large ledger: {persons:,} people, {ledger.stat().st_size / 1024:,.0f} KiB, built in {build_s:.1f} s",
              flush=True)

        recalculated = None
        soffice = None if args.no_libreoffice else find_soffice()
        if soffice:
            t0 = time.perf_counter()
            recalculated = recalculate([ledger], folder / "in" / "libreoffice")[0]
            print(f"recalculated by LibreOffice in {time.perf_counter() - t0:.1f} s: "
                  f"{recalculated.stat().st_size / 1024:,.0f} KiB", flush=True)
        else:
            print("LibreOffice not found (or --no-libreoffice): the recalculated ledger is skipped", flush=True)

        t0 = time.perf_counter()
        names = township_names(args.townships)
        template = folder / "in" / "township.xlsx"
        township_dir = folder / "in" / "townships"
        township_dir.mkdir(exist_ok=True)
        townships, persons_each = [], []
        for number, name in enumerate(names, start=1):
            # each township its own people (a seed of its own: the summary counts a person once across the district,
            # so copies of one ledger would leave all but one township's households out of the report); build_ledger
            # names its township 青岩镇, the copy is renamed (参数, titles and 乡镇 cells)
            small = households_for(args.township_persons, args.seed + number, policy, args.as_of)
            persons_each.append(person_count(small))
            build_ledger(policy, small, args.as_of, persons_each[-1] + SPARE_ROWS).save(template)
            target = township_dir / f"{number:02d}-{name}.xlsx"
            rename_township(template, target, "青岩镇", name)
            townships.append(target)
        township_persons = round(sum(persons_each) / len(persons_each))
        townships_s = time.perf_counter() - t0
        print(f"{len(townships)} township ledgers of ~{township_persons:,} people each, their own "
              f"({template.stat().st_size / 1024:,.0f} KiB each) in {townships_s:.1f} s", flush=True)

        common = {"policy": policy_arg, "as_of": args.as_of.isoformat()}
        results: dict[str, dict] = {}

        def step(key: str, spec: dict, before=None) -> None:
            results[key] = runs({**common, **spec}, args.repeat, before=before)
            r = results[key]
            print(f"  {key:<22} {', '.join(f'{t:.2f}' for t in r['runs_s'])} s   peak {r['peak_rss_mb']:.0f} MB "
                  f"(before the operation {r['rss_before_mb'] or 0:.0f} MB)", flush=True)

        print("timed runs:", flush=True)
        # (1) check
        step("check", {"op": "check", "paths": [str(ledger)]})
        step("check_calamine", {"op": "calamine", "paths": [str(ledger)]})
        if recalculated:
            step("check_lo", {"op": "check", "paths": [str(recalculated)]})
            step("check_lo_calamine", {"op": "calamine", "paths": [str(recalculated)]})

        # (2) fill: each run on a fresh copy in a folder of its own (fill writes the file and a backup beside it)
        def fresh_copy(attempt: int, spec: dict) -> dict:
            work = folder / "fill" / f"run{attempt + 1}-{time.monotonic_ns()}"
            work.mkdir(parents=True)
            target = work / ledger.name
            shutil.copy2(ledger, target)
            spec["paths"] = [str(target)]
            return spec

        step("fill", {"op": "fill", "paths": []}, before=fresh_copy)
        (folder / "resaved").mkdir(exist_ok=True)
        step("fill_openpyxl", {"op": "openpyxl", "paths": [str(ledger)], "out": str(folder / "resaved" / "ledger.xlsx")})

        # (3) summary
        report = folder / "out" / "月报.xlsx"
        report.parent.mkdir(exist_ok=True)

        def fresh_report(attempt: int, spec: dict) -> dict:
            report.unlink(missing_ok=True)   # no backup of an earlier report: the first run's conditions each time
            return spec

        step("summary", {"op": "summary", "paths": [str(p) for p in townships], "out": str(report)},
             before=fresh_report)
        step("summary_calamine", {"op": "calamine", "paths": [str(p) for p in townships]})
        report_kib = report.stat().st_size / 1024 if report.is_file() else None

        # profiles (not timed)
        profiles = {}
        for op in profile_ops:
            stats = folder / f"profile-{op}.pstats"
            if op == "check":
                spec = {**common, "op": "check", "paths": [str(recalculated or ledger)]}
            elif op == "fill":
                spec = fresh_copy(99, {**common, "op": "fill", "paths": []})
            elif op == "summary":
                report.unlink(missing_ok=True)
                spec = {**common, "op": "summary", "paths": [str(p) for p in townships], "out": str(report)}
            else:
                print(f"--profile: unknown operation {op!r} (check, fill, summary)")
                continue
            done = measure({**spec, "profile": str(stats)})
            profiles[op] = round(done["seconds"], 3)
            print_profile(stats, op, done["seconds"])

        sizes = {"ledger_kib": ledger.stat().st_size / 1024,
                 "ledger_recalculated_kib": recalculated.stat().st_size / 1024 if recalculated else None,
                 "township_kib": template.stat().st_size / 1024, "report_kib": report_kib}

    def ratio(a: str, b: str) -> float | None:
        return round(results[a]["s"] / results[b]["s"], 3) if a in results and results[b]["s"] else None

    ratios = {"check": ratio("check", "check_calamine"), "check_lo": ratio("check_lo", "check_lo_calamine"),
              "fill": ratio("fill", "fill_openpyxl"), "summary": ratio("summary", "summary_calamine")}
    row = {
        "benchmark": "bench_month",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "persons": persons,
        "township_persons": township_persons,
        "townships": len(townships),
        "seed": args.seed,
        "as_of": args.as_of.isoformat(),
        "repeat": args.repeat,
        "ratios": ratios,
        "goals": {"check": GOALS["check"], "check_lo": GOALS["check"], "fill": GOALS["fill"],
                  "summary": GOALS["summary"]},
        "runs": results,
        "build_s": round(build_s, 3),
        "townships_build_s": round(townships_s, 3),
        **{k: (round(v, 1) if v is not None else None) for k, v in sizes.items()},
        "profiled_s": profiles or None,
        "python": platform.python_version(),
        "openpyxl": openpyxl.__version__,
        "python_calamine": version("python-calamine"),
        "soffice": bool(soffice),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }

    print(f"\n{persons:,}-person ledger; summary over {len(townships)} × {township_persons:,} people "
          f"(fastest of {args.repeat}; peak RSS per process, including the imports)")
    print(f"  {'operation':<24} {'time':>10} {'baseline':>10}  {'ratio':>6}  {'goal':<6} {'':<6}  "
          f"{'peak RSS':>10} {'baseline':>10}")
    _line("check (openpyxl-saved)", results["check"], results["check_calamine"], GOALS["check"])
    if "check_lo" in results:
        _line("check (LibreOffice-saved)", results["check_lo"], results["check_lo_calamine"], GOALS["check"])
    _line("fill", results["fill"], results["fill_openpyxl"], GOALS["fill"])
    _line("summary", results["summary"], results["summary_calamine"], GOALS["summary"])
    print(f"  baselines: check — calamine reads 台账; fill — openpyxl load + save; summary — calamine reads "
          f"{len(townships)} × 台账")
    append_result(args.output, row)
    return row


if __name__ == "__main__":
    main()
