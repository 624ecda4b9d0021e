"""Where benchmark results go (one JSON line per run, appended to a file under benchmarks/results/, git-ignored), and
the peak memory each run reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """The process's high-water RSS in MB: VmHWM (ru_maxrss on Linux keeps the parent's peak across fork + exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024   # bytes on macOS, KiB on Linux


def children_peak_rss_mb() -> float:
    """The largest high-water RSS of the child processes this one has waited for (summary's readers), in MB; 0 when
    there were none."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def append_result(output: Path, row: dict) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"appended to {output}")


RESULT = "RESULT "      # a worker prints its result as one line starting with this


def measure(script: str, spec: dict, repeat: int, before=None) -> dict:
    """Run `script --worker SPEC` `repeat` times, each a fresh process (`before()` first, when given): the fastest
    run's result, with the highest of each *peak_rss_mb it reported over all runs."""
    import subprocess

    best = None
    for _ in range(repeat):
        if before:
            before()
        done = subprocess.run([sys.executable, script, "--worker", json.dumps(spec, ensure_ascii=False)],
                              capture_output=True, text=True, encoding="utf-8")
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
        if not lines:
            raise RuntimeError(f"{spec['kind']} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        result = json.loads(lines[-1][len(RESULT):])
        peaks = {k: max(v, (best or {}).get(k, 0)) for k, v in result.items() if k.endswith("peak_rss_mb")}
        if best is None or result["s"] < best["s"]:
            best = {**result, **peaks}
        else:
            best.update(peaks)
    return best
