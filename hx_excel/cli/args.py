"""argparse speaking Chinese: usage, help headings and every error, so that a mistyped command gets the same kind of
message (错误：…, exit code 2) as a bad file does."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from typing import NoReturn

from hx_excel.cli.output import REFUSED, error
from hx_excel.core.days import FIRST_YEAR, LAST_YEAR, in_range

# argparse's own error texts (Python 3.11–3.13) → Chinese; anything else is shown as it is.
_ERRORS = (
    (r"the following arguments are required: (.*)", "缺少参数 {0}"),
    (r"unrecognized arguments: (.*)", "不认识的参数 {0}"),
    (r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)", "{0}不能是“{1}”，可选：{2}"),
    (r"argument (\S+): expected one argument", "{0} 后面要写一个值"),
    (r"argument (\S+): expected at most one argument", "{0} 后面只能写一个值"),
    (r"argument (\S+): not allowed with argument (.*)", "{0} 不能与 {1} 同时使用"),
    (r"argument (\S+): ignored explicit argument (.*)", "{0} 不接受值 {1}"),
    (r"ambiguous option: (\S+) could match (.*)", "{0} 不明确，可能是 {1}"),
    (r"argument (\S+): (.*)", "{0}：{1}"),
)


def _chinese(message: str) -> str:
    for pattern, template in _ERRORS:
        match = re.fullmatch(pattern, message)
        if match:
            return template.format(*(g.replace("'", "") for g in match.groups()))
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助后退出")

    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().removeprefix("用法：").split())
        error(f"{_chinese(message)}。用法：{usage}；详见 {self.prog} -h")
        sys.exit(REFUSED)


def iso_date(text: str) -> date:
    """A date typed on the command line: YYYY-MM-DD, and a day that exists."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效的日期，请写成 2022-07-15 的形式") from None
    if not in_range(day):
        raise argparse.ArgumentTypeError(f"日期“{text}”不在 {FIRST_YEAR}—{LAST_YEAR} 年之间，请检查年份")
    return day


def short_text(limit: int):
    """A name typed on the command line (a reviewer, a village): at most `limit` characters, since it goes into a
    cell and onto a printed page; a longer one is refused, never cut."""
    def parse(text: str) -> str:
        if len(text.strip()) > limit:
            raise argparse.ArgumentTypeError(f"太长（{len(text.strip())} 个字符），最多 {limit} 个字符")
        if not text.strip():
            raise argparse.ArgumentTypeError("不能为空")
        return text.strip()
    return parse


def row_count(text: str) -> int:
    """A number of ledger rows typed on the command line: a whole number above 0."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效的行数，请写一个正整数，如 3000")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效的秒数（0 到 86400）")
    return value
