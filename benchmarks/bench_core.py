"""bench_core: how fast the core validates, grades and plans households.

    python benchmarks/bench_core.py [--count 100000] [--seed 20220414] [--as-of 2022-09-15] [--tracemalloc]

N fictional households (hx_excel.samples.generate) are generated and turned into plain dicts with
`model_dump(mode="json")` first (not timed as part of the result), then timed with `time.perf_counter`:
  (a) validation: `Household.parse(data, policy)` for each dict;
  (b) grading and workflow: `assess` then `plan` (given that assessment) for each household.
Prints households per second over (a) + (b), the share of that time spent in model validation, and the peak
memory (the process's peak RSS; with --tracemalloc also the Python-allocation peak, which slows everything down).
Writes the same figures as one JSON line to benchmarks/results/core.json. No assertions.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import pydantic  # noqa: E402

from hx_excel.core.grading import assess  # noqa: E402
from hx_excel.core.models import Household  # noqa: E402
from hx_excel.core.workflow import plan  # noqa: E402
from hx_excel.policy import default_policy, load_policy  # noqa: E402
from hx_excel.samples.generate import generate_households  # noqa: E402


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="households to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=20220414)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2022, 9, 15), help="assessment date")
    parser.add_argument("--year", type=int, default=2022, help="income year of the generated households")
    parser.add_argument("--policy", type=Path, default=None, help="a user policy TOML (default: the shipped one)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slow)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "core.json")
    args = parser.parse_args(argv)

    policy = load_policy(args.policy) if args.policy else default_policy()
    as_of, count = args.as_of, args.count

    start = time.perf_counter()
    data = [h.model_dump(mode="json") for h in generate_households(count, args.seed, policy, as_of, year=args.year)]
    generate_s = time.perf_counter() - start
    print(f"generated {count:,} households as dicts in {generate_s:.1f} s (not counted below)", flush=True)

    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start()
    gc.collect()

    # (a) validation
    start = time.perf_counter()
    households = [Household.parse(d, policy) for d in data]
    validate_s = time.perf_counter() - start

    # (b) assess + plan
    grades: dict[str, int] = {}
    with_problems = 0
    assess_s = plan_s = 0.0
    clock = time.perf_counter
    for household in households:
        t0 = clock()
        assessment = assess(household, policy, as_of)
        t1 = clock()
        result = plan(household, policy, as_of, assessment)
        t2 = clock()
        assess_s += t1 - t0
        plan_s += t2 - t1
        grades[assessment.grade] = grades.get(assessment.grade, 0) + 1
        with_problems += bool(result.problems)
    assess_plan_s = assess_s + plan_s

    traced_peak_mb = None
    if args.tracemalloc:
        traced_peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()

    total_s = validate_s + assess_plan_s
    result_row = {
        "benchmark": "bench_core",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "count": count,
        "seed": args.seed,
        "as_of": as_of.isoformat(),
        "generate_s": round(generate_s, 3),
        "validate_s": round(validate_s, 3),
        "assess_s": round(assess_s, 3),
        "plan_s": round(plan_s, 3),
        "total_s": round(total_s, 3),
        "households_per_s": round(count / total_s, 1) if total_s else None,
        "validate_per_s": round(count / validate_s, 1) if validate_s else None,
        "assess_plan_per_s": round(count / assess_plan_s, 1) if assess_plan_s else None,
        "validation_share": round(validate_s / total_s, 4) if total_s else None,
        "peak_rss_mb": _peak_rss_mb(),
        "tracemalloc_peak_mb": traced_peak_mb,
        "grades": grades,
        "with_problems": with_problems,
        "python": platform.python_version(),
        "pydantic": pydantic.VERSION,
        "machine": platform.machine(),
    }

    print(f"(a) validation      {validate_s:8.2f} s  {result_row['validate_per_s']:>10,.0f} households/s")
    print(f"(b) assess + plan   {assess_plan_s:8.2f} s  {result_row['assess_plan_per_s']:>10,.0f} households/s"
          f"  (assess {assess_s:.2f} s, plan {plan_s:.2f} s)")
    print(f"overall             {total_s:8.2f} s  {result_row['households_per_s']:>10,.0f} households/s")
    print(f"share in model validation: {result_row['validation_share']:.1%}")
    memory = f"peak RSS {result_row['peak_rss_mb']} MB" if result_row["peak_rss_mb"] is not None else "peak RSS n/a"
    if traced_peak_mb is not None:
        memory += f", tracemalloc peak {traced_peak_mb} MB"
    print(memory)
    print(f"grades {grades}; {with_problems:,} households with date problems")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result_row, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return result_row


if __name__ == "__main__":
    main()
