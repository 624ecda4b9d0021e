"""`hx-excel generate`: one ledger workbook per township, from the district settings, optionally pre-filled from a
roster (名单) of one row per person, and optionally a sample-filled workbook for trying the tool out.

Nothing a clerk typed is ever lost: a target file that already holds ledger data (or that we cannot read as a
ledger) is refused before anything is written, unless `force=True`, and then the old file is kept as a backup.
A file whose typed cells are exactly what would be written again (an empty template we generated, the unchanged
sample workbook, a workbook imported from the same roster) is simply regenerated.

Roster import reuses the ledger reader: every cell goes through `cells.from_cell` and the reader's value-list check,
rows are grouped into households by 户编号 exactly as `reader.read_rows` groups ledger rows, and each household is
validated by the same model. Faults become `Problem`s naming the roster file, its row and its own column header; a
faulty cell is left out, and a household that does not validate is written as typed so the ledger's row check shows
what to fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core import id_number
from hx_excel.core.models import Household
from hx_excel.districts import DistrictSettings, Township, default_townships
from hx_excel.files import SaveError, comparable, ledger_inputs, save_workbook
from hx_excel.ledger.reader import LedgerFileError, Problem, build_household, open_workbook, read_row
from hx_excel.ledger.schema import BY_KEY, COLUMNS, FIRST_DATA_ROW, SHEET, Column
from hx_excel.ledger.template import VILLAGE_SLOTS, build_workbook, policy_year
from hx_excel.ledger.writer import INPUT_COLUMNS, RowWriter
from hx_excel.policy import Policy
from hx_excel.samples import sample_households

SAMPLE_TOWNSHIP = "青岩镇"
SAMPLE_SUFFIX = "-示例"
SPARE_ROWS = 200          # empty rows left under imported households
HEADER_SEARCH_ROWS = 20   # the roster's header row is looked for in its first rows
MAX_LISTED = 10           # longest list of rows quoted in one error message


class GenerateError(ValueError):
    """Generation refused or failed; the message is Chinese, names every file concerned and says what to do."""


class RosterError(GenerateError):
    """A roster or mapping file the generator cannot use at all (as opposed to a Problem in one of its cells)."""


# ---- the roster's column mapping ------------------------------------------------------------------------------

def _norm(header: Any) -> str:
    """Headers compare without spaces and with full-width brackets folded: 家庭年纯收入(元) = 家庭年纯收入（元）."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header))) if header is not None else ""


@dataclass(frozen=True)
class RosterMapping:
    """Roster column header → ledger column. `declared`: from a mapping file (else the default, same headers)."""

    columns: dict[str, Column]
    declared: bool = False
    sheet: str | None = None
    header_row: int | None = None
    source: str = ""

    def column_for(self, header: Any) -> Column | None:
        return self._by_norm.get(_norm(header))

    @property
    def _by_norm(self) -> dict[str, Column]:
        return {_norm(h): c for h, c in self.columns.items()}


def default_mapping() -> RosterMapping:
    """Roster headers equal to the ledger's own headers (户编号, 乡镇, 村, 姓名, 与户主关系, 身份证号 …)."""
    return RosterMapping({c.header: c for c in INPUT_COLUMNS})


def _target(value: Any) -> Column | None:
    """A ledger column named by its schema key (household_id) or its header (户编号)."""
    if not isinstance(value, str):
        return None
    return BY_KEY.get(value.strip()) or next((c for c in COLUMNS if _norm(c.header) == _norm(value)), None)


def load_mapping(path: str | Path | None) -> RosterMapping:
    """A mapping TOML file: `[columns]` "roster header" = "ledger header or key"; optional `sheet`, `header_row`."""
    if path is None:
        return default_mapping()
    path = Path(path)
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise RosterError(f"找不到列名对照表：{path}") from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise RosterError(f"列名对照表 {path} 不是 UTF-8 编码的 TOML 文本文件。") from None
    except tomllib.TOMLDecodeError as exc:
        raise RosterError(f"列名对照表 {name} 的 TOML 格式有误：{exc}。每行写成 \"名单列名\" = \"台账列名\"，"
                          f"列名含括号等符号时两边都要加英文引号。") from None
    unknown = sorted(set(data) - {"columns", "sheet", "header_row"})
    if unknown:
        raise RosterError(f"列名对照表 {name} 中有不认识的设置项：{'、'.join(unknown)}。"
                          "对照关系须写在 [columns] 表下；另可写 sheet（工作表名）和 header_row（表头所在行）。")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise RosterError(f"列名对照表 {name} 中没有 [columns] 表。请写成：\n[columns]\n\"户号\" = \"户编号\"\n\"证件号码\" = \"身份证号\"")
    mapped: dict[str, Column] = {}
    problems = []
    for header, value in columns.items():
        column = _target(value)
        if column is None:
            problems.append(f"“{header}” = {value!r}：台账没有这一列（请写台账表头，如“家庭年纯收入（元）”，或列键，如 annual_net_income）")
        elif column.kind != "input":
            problems.append(f"“{header}” = “{value}”：“{column.header}”是自动计算的列，不能导入")
        else:
            mapped[header] = column
    repeated = {}
    for header, column in mapped.items():
        repeated.setdefault(column.key, []).append(header)
    problems += [f"{'、'.join('“' + h + '”' for h in headers)} 都对应台账“{BY_KEY[key].header}”列，只能保留一个"
                 for key, headers in repeated.items() if len(headers) > 1]
    sheet, header_row = data.get("sheet"), data.get("header_row")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(f"sheet 应为工作表名称（加英文引号），现为 {sheet!r}")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1):
        problems.append(f"header_row 应为表头所在行号（正整数），现为 {header_row!r}")
    if problems:
        raise RosterError(f"列名对照表 {name} 有误：" + "；".join(problems) + "。")
    return RosterMapping(mapped, declared=True, sheet=sheet, header_row=header_row, source=name)


# ---- reading the roster -------------------------------------------------------------------------------------

@dataclass
class RosterHousehold:
    """One household of the roster, bound for one township's workbook."""

    household_id: str
    township: str
    village: str
    rows: list[int]                        # roster row numbers
    typed: list[dict[str, Any]]            # each row's typed values (schema key → model value)
    household: Household | None = None     # None: did not validate, written as typed for the ledger's row check

    @property
    def persons(self) -> int:
        return len(self.typed) if self.household is None else max(1, len(self.household.members))


@dataclass
class Roster:
    name: str
    header_row: int = 1
    households: list[RosterHousehold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    row_townships: dict[int, str] = field(default_factory=dict)

    def for_township(self, township: str) -> list[RosterHousehold]:
        return [h for h in self.households if h.township == township]

    def problems_for(self, township: str) -> list[Problem]:
        return [p for p in self.problems if self.row_townships.get(p.row) == township]


_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")


def _from_text(column: Column, value: Any) -> Any:
    """Text as a CSV (or a text-formatted Excel cell) holds it, turned into the cell value Excel would have typed.
    Text that is not a number or date where one is expected is left as text, for `from_cell` to report."""
    if not isinstance(value, str):
        return value
    text = value.strip().replace("\u3000", "")
    if column.type == "id" and _SCIENTIFIC.match(text):
        return float(text)  # Excel wrote the ID as a number (5.20111E+17): digits are already lost
    if column.type in ("number", "integer"):
        plain = unicodedata.normalize("NFKC", text)
        if _NUMBER.match(plain):
            number = float(plain.replace(",", ""))
            return int(number) if number.is_integer() else number
    if column.type == "date":
        match = _DATE.match(unicodedata.normalize("NFKC", text))
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
    return value


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")  # Excel's "CSV (逗号分隔)" on a Chinese Windows writes GBK
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise RosterError(f"名单 {name} 不是可读的 CSV 文本（既不是 UTF-8 也不是 GBK 编码）。"
                      "请在 Excel 中打开名单，“另存为”选择“CSV UTF-8（逗号分隔）”或“Excel 工作簿（.xlsx）”后重试。")


def _raw_rows(path: Path, mapping: RosterMapping) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, cell values) of the roster's non-blank rows, CSV or xlsx."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"找不到名单文件：{path}") from None
    except IsADirectoryError:
        raise RosterError(f"名单 {path} 是一个文件夹，请指定 .csv 或 .xlsx 文件。") from None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(f"名单 {path.name} 是旧版 Excel 97-2003（.xls）文件。请在 Excel 中“另存为”.xlsx 或 CSV 后重试。")
    if data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = open_workbook(path)
        except LedgerFileError as exc:
            raise RosterError(f"名单 {exc}。请提供 .xlsx 工作簿或 CSV 文件。") from None
        try:
            if mapping.sheet is not None:
                if mapping.sheet not in wb.sheetnames:
                    raise RosterError(f"名单 {path.name} 中没有名为“{mapping.sheet}”的工作表（现有：{'、'.join(wb.sheetnames)}），"
                                      f"请改正对照表中的 sheet。")
                ws = wb[mapping.sheet]
            elif SHEET in wb.sheetnames:
                ws = wb[SHEET]  # a ledger handed in as a roster
            else:
                ws = wb.worksheets[0]
            rows = [(n, tuple(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
    else:
        text = _decode(data, path.name)
        first = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first and "," not in first else ","
        rows = [(n, tuple(r)) for n, r in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                                    start=1)]
    return [(n, r) for n, r in rows if any(v is not None and str(v).strip() for v in r)]


def read_roster(path: str | Path, settings: DistrictSettings, policy: Policy,
                mapping: RosterMapping | str | Path | None = None) -> Roster:
    """The roster's households, each routed to its township; cell and household faults as Problems.
    Raises RosterError when the roster cannot be used at all (no header, no 户编号 column, unknown townships)."""
    path = Path(path)
    if not isinstance(mapping, RosterMapping):
        mapping = load_mapping(mapping)
    name = path.name
    roster = Roster(name)
    rows = _raw_rows(path, mapping)
    if not rows:
        raise RosterError(f"名单 {name} 是空的：没有表头，也没有数据。")

    header_number, headers = _header_row(rows, mapping, name)
    roster.header_row = header_number
    positions: list[tuple[int, Column]] = []
    header_of: dict[str, str] = {}   # ledger header → roster header, to name the roster's own column in problems
    ignored = []
    for index, header in enumerate(headers):
        if header is None or not str(header).strip():
            continue
        column = mapping.column_for(header)
        if column is None:
            known = _target(str(header))
            if mapping.declared or known is None or known.kind == "input":  # computed columns: left out silently
                ignored.append(str(header).strip())
            continue
        if column.key in {c.key for _, c in positions}:
            raise RosterError(f"名单 {name} 第 {header_number} 行有两列都对应台账“{column.header}”列"
                              f"（“{header_of[column.header]}”和“{header}”），请删去或改名其中一列。")
        positions.append((index, column))
        header_of[column.header] = str(header).strip()
    keys = {c.key for _, c in positions}
    if ignored:
        roster.problems.append(Problem(name, header_number, "", f"以下列未导入（{'不在列名对照表中' if mapping.declared else '不是台账的列，如需导入请用 --mapping 写明对应关系'}）："
                                       + "、".join(f"“{h}”" for h in ignored)))
    if mapping.declared:
        present = {_norm(h) for h in headers if h is not None}
        for header in mapping.columns:
            if _norm(header) not in present:
                roster.problems.append(Problem(name, header_number, header, "对照表中写了这一列，但名单中没有，该项未导入"))
    if "household_id" not in keys:
        raise RosterError(f"名单 {name} 中找不到“户编号”列，无法分户。请把表头改为“户编号”，"
                          f"或在列名对照表中写明哪一列是户编号（如 \"户号\" = \"户编号\"）。")
    if "township" not in keys and len(settings.townships) > 1:
        raise RosterError(f"名单 {name} 中找不到“乡镇”列，不知道各户属于哪个乡镇的台账。请加一列“乡镇”，"
                          f"或在列名对照表中写明（如 \"所在乡镇\" = \"乡镇\"）。")

    def relabel(problem: Problem) -> Problem:
        column = header_of.get(problem.column, problem.column)
        return Problem(name, problem.row, column, problem.message)

    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    loose: list[tuple[int, dict[str, Any]]] = []   # rows without 户编号: written as typed
    for number, values in rows:
        if number <= header_number:
            continue
        converted = tuple(_from_text(column, values[i]) if i < len(values) else None for i, column in positions)
        cell_problems: list[Problem] = []
        typed = read_row(number, converted, [(n, c) for n, (_, c) in enumerate(positions)], policy, cell_problems)
        roster.problems += [relabel(p) for p in cell_problems]
        if not typed:
            continue
        if typed.get("id_number"):
            try:
                id_number.validate(typed["id_number"])
            except id_number.IdNumberError as exc:
                roster.problems.append(Problem(name, number, header_of["身份证号"], f"{exc}（已照原样导入，请核对）"))
        household_id = typed.get("household_id")
        if household_id:
            groups.setdefault(str(household_id), []).append((number, typed))
        else:
            roster.problems.append(Problem(name, number, header_of["户编号"],
                                           "户编号未填：同一户每行都要填相同的户编号。本行已照原样导入，请在台账中补填"))
            loose.append((number, typed))

    unroutable: list[str] = []
    for household_id, members in groups.items():
        township = _route(household_id, members, settings, name, header_of, roster.problems, unroutable)
        if township is None:
            continue
        for _, typed in members:
            typed["township"] = township.name
        built_problems: list[Problem] = []
        built = build_household(household_id, members, policy, built_problems,
                                when_unbuilt="本户已照原样导入，请在台账中改正")
        roster.problems += [relabel(p) for p in built_problems]
        village = next((t["village"] for _, t in members if t.get("village")), "")
        roster.households.append(RosterHousehold(household_id, township.name, village, [n for n, _ in members],
                                                 [t for _, t in members], built.household if built else None))
        roster.row_townships.update({n: township.name for n, _ in members})
    for number, typed in loose:
        township = _route(f"（第 {number} 行）", [(number, typed)], settings, name, header_of, roster.problems,
                          unroutable)
        if township is not None:
            typed["township"] = township.name
            roster.households.append(RosterHousehold("", township.name, typed.get("village", ""), [number], [typed]))
            roster.row_townships[number] = township.name
    if unroutable:
        more = f"等 {len(unroutable)} 处" if len(unroutable) > MAX_LISTED else ""
        known = "、".join(t.name for t in settings.townships)
        raise RosterError(f"名单 {name} 中有的户不知道该放进哪个乡镇的台账：" + "；".join(unroutable[:MAX_LISTED]) + more
                          + f"。“乡镇”须填乡镇全称（可选：{known}），或在区设置文件中加入该乡镇。未写入任何台账。")
    roster.problems.sort(key=lambda p: p.row)
    return roster


def _header_row(rows, mapping: RosterMapping, name: str) -> tuple[int, tuple[Any, ...]]:
    if mapping.header_row is not None:
        found = next(((n, r) for n, r in rows if n == mapping.header_row), None)
        if found is None:
            raise RosterError(f"名单 {name} 第 {mapping.header_row} 行是空的，但对照表写明表头在这一行（header_row）。")
        return found
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        if any(mapping.column_for(v) is not None for v in values if v is not None):
            return number, values
    expected = "、".join(list(mapping.columns)[:6])
    raise RosterError(f"在名单 {name} 的前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有一列叫 {expected} 等名称。"
                      "请把表头改成台账的列名，或用 --mapping 指定列名对照表。")


def _route(household_id: str, members, settings: DistrictSettings, name: str, header_of: dict[str, str],
           problems: list[Problem], unroutable: list[str]) -> Township | None:
    """The township of a household: its head row's 乡镇, else the first filled one, else the only township."""
    heads = [(n, t) for n, t in members if t.get("relation") == "户主"] or members
    named = [(n, t["township"]) for n, t in heads + members if t.get("township")]
    if not named:
        if len(settings.townships) == 1:
            return settings.townships[0]
        unroutable.append(f"第 {members[0][0]} 行（户编号“{household_id}”）未填乡镇")
        return None
    number, value = named[0]
    township = settings.township(value)
    if township is None:
        unroutable.append(f"第 {number} 行“乡镇”为“{value}”，不是要生成台账的乡镇")
        return None
    for other_number, typed in members:
        other = typed.get("township")
        if other and settings.township(other) is not township:
            problems.append(Problem(name, other_number, header_of.get("乡镇", "乡镇"),
                                    f"乡镇“{other}”与本户第 {number} 行的“{value}”不同，整户按“{township.name}”导入，请核对"))
    return township


# ---- generating -------------------------------------------------------------------------------------------

@dataclass
class GeneratedWorkbook:
    township: str
    path: Path
    rows: int                              # formula rows in 台账
    households: int = 0                    # pre-filled households (roster or samples)
    persons: int = 0
    sample: bool = False
    as_of: date | None = None              # the 评估日期 written, None for =TODAY()
    backup: Path | None = None             # where the previous file was kept (force=True over data)
    replaced: bool = False                 # a previous file with nothing to lose was regenerated
    skipped: str | None = None             # skip_filled: why the existing file was left alone (nothing written)
    problems: list[Problem] = field(default_factory=list)   # roster problems of this township's rows


@dataclass
class _Target:
    township: Township
    path: Path
    villages: tuple[str, ...]
    items: list[Household | RosterHousehold]
    as_of: date | None
    sample: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def persons(self) -> int:
        return sum(i.persons if isinstance(i, RosterHousehold) else max(1, len(i.members)) for i in self.items)


def generate(settings: DistrictSettings, policy: Policy, out_dir: str | Path, *,
             roster: Roster | str | Path | None = None, mapping: RosterMapping | str | Path | None = None,
             force: bool = False, as_of: date | None = None, samples: bool = False,
             skip_filled: bool = False,
             progress: Callable[[GeneratedWorkbook], None] | None = None) -> list[GeneratedWorkbook]:
    """Write one ledger workbook per township of `settings` into `out_dir` (and, with `samples`, the sample-filled
    青岩镇 workbook). See the module docstring for what is refused; `skip_filled` leaves such files alone and reports
    them (`GeneratedWorkbook.skipped`) instead of refusing the whole run. `progress` is called with each result as
    soon as its file is written (or skipped): a workbook takes a second or two."""
    out_dir = Path(out_dir)
    year = settings.year or policy_year(policy)
    policy.income_line(year)  # a year with no income line is an error, never a default
    if roster is not None and not isinstance(roster, Roster):
        roster = read_roster(roster, settings, policy, mapping)

    targets = []
    for township in settings.townships:
        items = list(roster.for_township(township.name)) if roster else []
        villages = _villages(township, (i.village for i in items), roster)
        targets.append(_Target(township, out_dir / settings.file_name(township, year), villages, items, as_of,
                               problems=roster.problems_for(township.name) if roster else []))
    if samples:
        targets.append(_sample_target(settings, policy, out_dir, year))
    _check_names(targets)

    conflicts = {id(t): reason for t in targets if (reason := _conflict(t)) is not None}
    if conflicts and not force and not skip_filled:
        listed = "\n".join(f"  {t.path}：{conflicts[id(t)]}" for t in targets if id(t) in conflicts)
        raise GenerateError(f"以下 {len(conflicts)} 个文件已存在且有内容，为免覆盖已填写的数据，本次没有写入任何文件：\n{listed}\n"
                            "请换一个输出文件夹（--out），或先把这些文件移走；确需重新生成时加 --force（旧文件会另存为备份）。")

    results: list[GeneratedWorkbook] = []
    for target in targets:
        result = GeneratedWorkbook(target.township.name, target.path, 0, sum(1 for _ in target.items), target.persons,
                                   target.sample, target.as_of, problems=target.problems)
        if id(target) in conflicts and not force:
            result.skipped = conflicts[id(target)]
            results.append(result)
            if progress:
                progress(result)
            continue
        result.rows = max(settings.rows, target.persons + SPARE_ROWS)
        wb = build_workbook(policy, township=target.township.name, county=target.township.area,
                            villages=target.villages, year=year, as_of=target.as_of, rows=result.rows)
        _fill(wb[SHEET], target.items)
        existed = target.path.exists()
        try:
            result.backup = save_workbook(wb, target.path, keep_previous=id(target) in conflicts)
        except SaveError as exc:
            done = "、".join(r.path.name for r in results if not r.skipped)
            raise GenerateError(f"{exc}" + (f"\n此前已写好：{done}。" if done else "")) from None
        result.replaced = existed and result.backup is None
        results.append(result)
        if progress:
            progress(result)
    return results


def _sample_target(settings: DistrictSettings, policy: Policy, out_dir: Path, year: int) -> _Target:
    township = settings.township(SAMPLE_TOWNSHIP) or next(t for t in default_townships() if t.name == SAMPLE_TOWNSHIP)
    sample_as_of, households = sample_households(policy)
    name = Path(settings.file_name(township, year))
    path = out_dir / f"{name.stem}{SAMPLE_SUFFIX}{name.suffix}"
    return _Target(township, path, _villages(township, (h.village for h in households), None), list(households),
                   sample_as_of, sample=True)


def _villages(township: Township, seen: Iterable[str], roster: Roster | None) -> tuple[str, ...]:
    """The settings' villages, then those the households name (so 统计 counts them), in first-seen order."""
    villages = list(township.villages)
    for village in seen:
        if village and village not in villages:
            villages.append(village)
    if len(villages) > VILLAGE_SLOTS and roster is not None:
        roster.problems.append(Problem(roster.name, roster.header_row, "村", f"{township.name}共有 {len(villages)} 个村（居），台账“参数”表只能列 "
                                       f"{VILLAGE_SLOTS} 个，“统计”表不计其后的：{'、'.join(villages[VILLAGE_SLOTS:])}"))
    return tuple(villages[:VILLAGE_SLOTS])


def _check_names(targets: list[_Target]) -> None:
    seen: dict[Path, str] = {}
    for target in targets:
        name = target.path.name
        if re.search(r'[<>:"/\\|?*\x00-\x1f]', name):
            raise GenerateError(f"{target.township.name}的台账文件名“{name}”含有文件名不能用的字符，请修改区设置中的乡镇名称或文件名格式。")
        if target.path in seen:
            raise GenerateError(f"{seen[target.path]}和{target.township.name}的台账文件名都是“{name}”，会互相覆盖。"
                                "请在文件名格式中加入 {township} 或 {code}。")
        seen[target.path] = target.township.name


def _fill(ws: Worksheet, items: Iterable[Household | RosterHousehold]) -> int:
    """Write households from the first data row: validated ones through RowWriter (household facts on the head
    row), the others exactly as typed. Returns the next free row."""
    writer = RowWriter(ws)
    row = FIRST_DATA_ROW
    for item in items:
        household = item.household if isinstance(item, RosterHousehold) else item
        if household is not None:
            row = writer.write([household], start_row=row)
            continue
        for values in item.typed:
            writer.write_row(row, values)
            row += 1
    return row


def _expected_inputs(items: list[Household | RosterHousehold]) -> dict[tuple[int, int], Any]:
    """The input cells `_fill` would write, in the form `ledger_inputs` reads them back."""
    ws = Workbook().active
    _fill(ws, items)
    return {(c.row, c.column): comparable(c.value) for c in ws._cells.values() if c.value is not None}


def _conflict(target: _Target) -> str | None:
    """Why overwriting `target.path` could lose something, or None when it is safe."""
    path = target.path
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_dir():
        return "同名的文件夹已存在"
    try:
        cells = ledger_inputs(path)
    except LedgerFileError as exc:
        return f"不是本工具能读取的台账（{exc}），无法确认其中没有数据"
    except Exception as exc:  # noqa: BLE001 — what we cannot read, we must not overwrite
        return f"无法读取（{exc.__class__.__name__}），无法确认其中没有数据"
    if not cells or cells == _expected_inputs(target.items):
        return None
    rows = sorted({r for r, _ in cells})
    span = f"第 {rows[0]} 行" if len(rows) == 1 else f"第 {rows[0]}–{rows[-1]} 行"
    return f"“{SHEET}”表已填写 {len(rows)} 行（{span}）"
