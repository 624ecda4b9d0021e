"""What every command prints, the same way: exit codes, message prefixes, tables and capped problem lists.

Exit codes, in every command:
  0  done
  1  done, with problems in the data (listed, and written to a file where there are many)
  2  refused: nothing was done, or (named) part of it was not; the message says why and what to do
  130  interrupted (Ctrl-C); nothing is left half-written
Messages: a refusal starts with "错误：" (on stderr), problems in the data with "注意：", an interruption with "已中断：".
"""

from __future__ import annotations

import sys
import unicodedata
from typing import Iterable

DONE, PROBLEMS, REFUSED, INTERRUPTED = 0, 1, 2, 130
SCREEN_PROBLEMS = 50   # problems listed on screen; all of them go to a file


def error(message: str) -> None:
    print(f"错误：{message}", file=sys.stderr, flush=True)


def waiting(message: str) -> None:
    """While waiting for another run's folder lock (--wait)."""
    print(message, file=sys.stderr, flush=True)


def cleaned(paths) -> None:
    """Temporary files of an earlier run that was killed, removed before this one wrote anything."""
    if paths:
        print(f"已删除上次中断的运行留下的 {len(paths)} 个临时文件（{'、'.join(p.name for p in paths[:3])}"
              f"{'等' if len(paths) > 3 else ''}）：都是没写完的副本，原有的文件未受影响。")


def notice(message: str) -> None:
    print(f"注意：{message}", flush=True)


def status(message: str) -> None:
    """A progress line on the terminal, overwritten by the next one; nothing when output goes to a file."""
    if sys.stderr.isatty():
        print(f"\r\x1b[K{message}", end="", file=sys.stderr, flush=True)


def progress(done: int, total: int, what: str) -> None:
    """A progress bar over many files: `[██████······] 8/22 正在检查 青岩镇.xlsx`."""
    width = 20
    filled = round(width * (done - 1) / total) if total else 0
    status(f"[{'█' * filled}{'·' * (width - filled)}] {done}/{total} {what}")


def end_status() -> None:
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def list_problems(problems: Iterable[object], all_in: str | None = None) -> None:
    """The first SCREEN_PROBLEMS problems, one a line, then how many more and where all of them are."""
    problems = list(problems)
    for problem in problems[:SCREEN_PROBLEMS]:
        print(f"  {problem}")
    hidden = len(problems) - SCREEN_PROBLEMS
    if hidden > 0:
        print(f"  ……另有 {hidden} 处未列出" + (f"，全部见 {all_in}" if all_in else ""))
    elif all_in:
        print(f"  （全部问题也已写入 {all_in}）")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in rows)
