"""bench_clues: 部门联合筛查 at district scale (issue 21 point 7) — department rows matched against the township
ledgers' persons, against the cost of simply reading the same files.

    nice python benchmarks/bench_clues.py [--rows 200000] [--persons 50000] [--repeat 3] [--keep DIR]

Builds, before any timing (not timed): 22 township ledgers of about --persons people in all (each township's
households generated with a seed of its own, so nobody stands in two ledgers), and four department lists of
--rows rows in all (医保 .xlsx 40 %, 住建 .xlsx 20 %, 民政 CSV in GBK 20 %, 教育 .xlsx 20 %): a quarter of the rows are
ledger persons, the rest people in no ledger; about one row in twenty meets its department's rule. Then, each
measured run in a fresh subprocess (its own peak RSS; the time counts from after the imports and the policy and
profiles' load), timed with `time.perf_counter`:
  match:    `clues.intake.intake(lists, ledgers, …)` — every list read through its profile, every row matched, the
            facts already open found by the core on the matched households
            vs  python-calamine reading the same files (each ledger's 台账, each .xlsx list; the CSV decoded and split
            by the csv module) — goal ≤ 2;
  write:    intake + `clues.output.write_intake` (the 交办单 and the 总台账), reported, no goal.
Writes one JSON line to benchmarks/results/clues.json and prints a table. No assertions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from results_io import RESULT, append_result, measure, peak_rss_mb  # noqa: E402

GOAL = 2.0
AS_OF = date(2022, 7, 15)
SHARES = (("医保.xlsx", 0.4), ("住建.xlsx", 0.2), ("民政.csv", 0.2), ("教育.xlsx", 0.2))


def worker(spec: dict) -> dict:
    folder = Path(spec["folder"])
    lists = sorted((folder / "lists").iterdir())
    ledgers = sorted((folder / "ledgers").glob("*.xlsx"))
    if spec["kind"] == "bare":
        import csv
        import io

        from python_calamine import CalamineWorkbook
        start = time.perf_counter()
        rows = 0
        for path in ledgers:
            rows += len(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("台账").to_python())
        for path in lists:
            if path.suffix == ".csv":
                rows += len(list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030")))))
            else:
                rows += len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
        return {"s": time.perf_counter() - start, "rows": rows}
    from hx_excel.clues.intake import intake
    from hx_excel.clues.output import write_intake
    from hx_excel.clues.profiles import load_profiles
    from hx_excel.policy import default_policy
    policy = default_policy()
    profiles = load_profiles(policy)
    start = time.perf_counter()
    result = intake(lists, ledgers, policy, profiles, (2022, 7), received_on=date(2022, 7, 4))
    matched = time.perf_counter() - start
    written = None
    if spec["kind"] == "write":
        write_intake(result, Path(spec["out"]))
        written = time.perf_counter() - start
    return {"s": written or matched, "match_s": matched, "clues": len(result.clues), "unmatched": len(result.unmatched),
            "already_open": len(result.already_open)}


def build(folder: Path, rows: int, persons: int) -> None:
    import openpyxl

    from hx_excel.districts import load_settings
    from hx_excel.ledger.schema import SHEET
    from hx_excel.ledger.template import build_workbook
    from hx_excel.ledger.writer import RowWriter
    from hx_excel.core.id_number import make_valid
    from hx_excel.policy import default_policy
    from bench_recalc import households_for

    policy = default_policy()
    townships = load_settings(None).townships
    (folder / "ledgers").mkdir(parents=True, exist_ok=True)
    (folder / "lists").mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    per = persons // len(townships) + 1
    for n, township in enumerate(townships):
        households = [h.model_copy(update={"household_id": f"{township.code if hasattr(township, 'code') else n:>02}-{i:05d}",
                                           "township": township.name})
                      for i, h in enumerate(households_for(per, 7000 + n, policy, AS_OF))]
        wb = build_workbook(policy, township=township.name, as_of=AS_OF, rows=int(per * 1.1) + 50)
        RowWriter(wb[SHEET]).write(households)
        wb.save(folder / "ledgers" / f"{township.name}.xlsx")
        ids += [m.id_number for h in households for m in h.members if m.id_number]
    rng = random.Random(20221207)

    def person() -> str:
        if rng.random() < 0.25:
            return rng.choice(ids)
        return make_valid("520112", date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28)),
                          rng.randint(0, 999))

    def hit() -> bool:
        return rng.random() < 0.05

    for name, share in SHARES:
        count = int(rows * share)
        path = folder / "lists" / name
        if name.startswith("民政"):
            lines = ["姓名,身份证号,救助类别,变动类型,变动日期"]
            lines += [f"某某,{person()},低保,{'取消' if hit() else '新增'},2022-07-{rng.randint(1, 28):02d}"
                      for _ in range(count)]
            path.write_bytes("\n".join(lines).encode("gbk"))
            continue
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        if name.startswith("医保"):
            ws.append(["序号", "参保人姓名", "身份证号", "个人自付费用（元）", "参保状态"])
            for i in range(count):
                ws.append([i + 1, "某某", person(), 15000 if hit() else rng.randint(0, 9000), "正常"])
        elif name.startswith("住建"):
            ws.append(["户主姓名", "户主身份证号", "鉴定等级", "鉴定日期"])
            for _ in range(count):
                ws.append(["某某", person(), "D级" if hit() else "A级", date(2022, 6, 30)])
        else:
            ws.append(["学生姓名", "身份证号", "学校", "年级", "学籍状态"])
            for _ in range(count):
                ws.append(["某某", person(), "某校", "八年级", "辍学" if hit() else "在读"])
        wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the data into this folder once and reuse it on later runs")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "clues.json")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        result = worker(json.loads(args.worker))
        result["peak_rss_mb"] = peak_rss_mb()
        print(RESULT + json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        marker = folder / f"built-{args.rows}-{args.persons}.json"
        if marker.exists():
            print(f"reusing the data in {folder}", flush=True)
        else:
            start = time.perf_counter()
            build(folder, args.rows, args.persons)
            marker.write_text("{}", encoding="utf-8")
            print(f"built the data in {time.perf_counter() - start:.0f} s", flush=True)
        out = folder / "out"
        spec = {"folder": str(folder), "out": str(out)}
        ours = measure(__file__, {**spec, "kind": "match"}, args.repeat)
        bare = measure(__file__, {**spec, "kind": "bare"}, args.repeat)
        written = measure(__file__, {**spec, "kind": "write"}, 1)
        ratio = ours["s"] / bare["s"]
        print(f"match  {ours['s']:7.2f} s  baseline {bare['s']:7.2f} s  ratio {ratio:5.2f} (goal ≤ {GOAL})  "
              f"peak {ours['peak_rss_mb']:.0f} MB (baseline {bare['peak_rss_mb']:.0f} MB)")
        print(f"       clues {ours['clues']}, unmatched {ours['unmatched']}, already open {ours['already_open']}")
        print(f"write  {written['s']:7.2f} s  (intake + the 交办单 and the 总台账)  peak {written['peak_rss_mb']:.0f} MB")
        append_result(args.output, {"bench": "clues", "rows": args.rows, "persons": args.persons,
                                    "python": sys.version.split()[0], "s": round(ours["s"], 2),
                                    "baseline_s": round(bare["s"], 2), "ratio": round(ratio, 2), "goal": GOAL,
                                    "write_s": round(written["s"], 2), "peak_rss_mb": round(ours["peak_rss_mb"]),
                                    "baseline_peak_rss_mb": round(bare["peak_rss_mb"])})


if __name__ == "__main__":
    main()
