"""bench_stray: what one stray cell far down 台账 costs each month's command (issue 18 point 1).

    nice python benchmarks/bench_stray.py [--row 1000000] [--timeout 600]

Builds (not timed) the built-in sample ledger and its copy with one 备注 typed at row --row of 台账 (openpyxl), then
runs `hx-excel check`, `fill`, `review --month 2022-07`, `notice --village 龙井村` and `summary --month 2022-07` on
each, every run a fresh process on a fresh copy, and reports per command the wall time and peak resident memory
(`resource.getrusage(RUSAGE_CHILDREN)` of that one child) with and without the stray cell, and their ratios — the
goal being a stray cell costing about what the filled rows cost (ratio near 1). Writes one JSON line to
benchmarks/results/stray.json. No assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from results_io import append_result  # noqa: E402

COMMANDS = {
    "check": ["check", "{f}"],
    "fill": ["fill", "{f}"],
    "review": ["review", "{f}", "--month", "2022-07"],
    "notice": ["notice", "{f}", "--village", "龙井村", "-o", "{out}/公示.xlsx"],
    "summary": ["summary", "{f}", "--month", "2022-07", "-o", "{out}/月报.xlsx"],
}


def measure(argv: list[str], timeout: float) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `hx-excel` process; run through a small wrapper so that the peak is that
    child's alone (RUSAGE_CHILDREN of a fresh interpreter)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=%r); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)" % timeout)
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "hx_excel", *argv],
                          capture_output=True, text=True, cwd=ROOT)
    seconds, kilobytes = done.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--row", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "stray.json")
    args = parser.parse_args()

    import openpyxl
    from hx_excel.ledger.schema import SHEET, column_index

    work = Path(tempfile.mkdtemp(prefix="bench-stray-"))
    subprocess.run([sys.executable, "-m", "hx_excel", "generate", "--samples", "--out", str(work / "g")],
                   capture_output=True, check=True, cwd=ROOT)
    sample = next((work / "g").glob("*示例.xlsx"))
    plain, stray = work / "plain.xlsx", work / "stray.xlsx"
    shutil.copy(sample, plain)
    wb = openpyxl.load_workbook(sample)
    wb[SHEET].cell(args.row, column_index("note")).value = "误填"
    wb.save(stray)

    row = {"row": args.row, "cpus": os.cpu_count(), "commands": {}}
    print(f"{'command':8} {'plain s':>8} {'stray s':>8} {'ratio':>6} {'plain MB':>9} {'stray MB':>9} {'ratio':>6}")
    for name, template in COMMANDS.items():
        result = {}
        for kind, source in (("plain", plain), ("stray", stray)):
            copy, out = work / f"{kind}-{name}.xlsx", work / f"out-{kind}-{name}"
            out.mkdir()
            shutil.copy(source, copy)
            argv = [a.format(f=copy, out=out) for a in template]
            result[kind] = measure(argv, args.timeout)
        (ps, pm), (ss, sm) = result["plain"], result["stray"]
        row["commands"][name] = {"plain_s": round(ps, 2), "stray_s": round(ss, 2), "time_ratio": round(ss / ps, 2),
                                 "plain_mb": round(pm), "stray_mb": round(sm), "memory_ratio": round(sm / pm, 2)}
        print(f"{name:8} {ps:8.2f} {ss:8.2f} {ss / ps:6.2f} {pm:9.0f} {sm:9.0f} {sm / pm:6.2f}")
    row["when"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    shutil.rmtree(work, ignore_errors=True)
    append_result(args.output, row)


if __name__ == "__main__":
    main()
