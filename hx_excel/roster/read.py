"""Reading a roster (名单) of one row per person into households, each bound for one township's workbook.

Every cell goes through `values.convert` (cleaning, text read as Excel reads what is typed) and then the ledger's
own `cells.from_cell` and value-list check (`reader.cell_outcome`); rows are grouped into households by 户编号 and each
household is validated by the model, exactly as the ledger's rows are. So the import finds what the ledger will
find: bad and duplicate ID numbers (within the roster, and across the townships it fills), values off their lists,
text in number and date cells, impossible dates, numbers too large to store. Each fault becomes a `Problem` naming
the roster file, its row and its own column label; a faulty cell is left out, and a household that does not
validate is written as typed so the ledger's row check shows what to fix.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hx_excel.core import id_number
from hx_excel.core.grading import yuan
from hx_excel.core.models import Household
from hx_excel.districts import DistrictSettings, Township
from hx_excel.ledger.cells import CellError
from hx_excel.files.bulk import collector_paused
from hx_excel.files.sheet_cells import ErrorValue
from hx_excel.ledger.reader import UNREADABLE, Problem, build_household, cell_outcome, own
from hx_excel.ledger.schema import BY_KEY, INPUT_COLUMNS
from hx_excel.policy import Policy
from hx_excel.roster.header import HEADER_SEARCH_ROWS, Header, locate
from hx_excel.roster.mapping import Derived, RosterError, RosterMapping, load_mapping, norm, presets
from hx_excel.roster.source import read_source
from hx_excel.roster.values import convert

MAX_LISTED = 10   # longest list of rows quoted in one error message


@dataclass
class RosterHousehold:
    """One household of the roster, bound for one township's workbook."""

    household_id: str
    township: str
    village: str
    rows: list[int]                        # roster row numbers
    typed: list[dict[str, Any]]            # each row's typed values (schema key → model value)
    household: Household | None = None     # None: did not validate, written as typed for the ledger's row check
    notes: dict[str, str] = field(default_factory=dict)   # household column key → the head cell's comment (derived)

    @property
    def persons(self) -> int:
        return len(self.typed) if self.household is None else max(1, len(self.household.members))


@dataclass
class Roster:
    name: str
    header: Header
    sheet: str | None = None                # the sheet read, for .xlsx
    data_rows: int = 0
    households: list[RosterHousehold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # faults to fix: the run ends "done with problems"
    notes: list[Problem] = field(default_factory=list)      # for information: roster columns not imported
    row_townships: dict[int, str] = field(default_factory=dict)
    mapping_title: str = ""                 # a built-in preset recognised by the headers: its title and name
    mapping_name: str = ""

    @property
    def header_row(self) -> int:
        return self.header.rows[0]

    def describe(self) -> str:
        """Where the data was read from, for the clerk to check at a glance."""
        sheet = f"读取“{self.sheet}”表，" if self.sheet else ""
        preset = (f"认出是{self.mapping_title}，按内置对照表“{self.mapping_name}”导入（要修改：hx-excel mapping "
                  f"{self.mapping_name} -o 对照表.toml，改好后加 --mapping 对照表.toml）；" if self.mapping_title else "")
        return (f"名单 {self.name}：{preset}{sheet}表头在{self.header.describe()}，数据 {self.data_rows} 行，"
                f"共 {len(self.households)} 户。")

    def for_township(self, township: str) -> list[RosterHousehold]:
        return [h for h in self.households if h.township == township]

    def problems_for(self, township: str) -> list[Problem]:
        return [p for p in self.problems if self.row_townships.get(p.row) == township]


def read_roster(path: str | Path, settings: DistrictSettings, policy: Policy,
                mapping: RosterMapping | str | Path | None = None) -> Roster:
    """The roster's households, each routed to its township; cell and household faults as Problems.
    Raises RosterError (or InputFileError) when the roster cannot be used at all: unreadable, no header, no 户编号
    column, townships that are not being generated."""
    path = Path(path)
    if mapping is not None and not isinstance(mapping, RosterMapping):
        mapping = load_mapping(mapping)
    with collector_paused():
        return _read_roster(path, settings, policy, mapping)


def _read_roster(path: Path, settings: DistrictSettings, policy: Policy, mapping: RosterMapping | None) -> Roster:
    name = path.name
    source = read_source(path, mapping.sheet if mapping else None)
    if not source.rows:
        raise RosterError(f"名单 {name} 是空的：没有表头，也没有数据。")
    recognised = _recognised(source.rows) if mapping is None else None
    mapping = recognised or mapping or RosterMapping()
    try:
        header = locate(source.rows, mapping, name)
    except RosterError as exc:
        if not source.other_sheets:
            raise
        raise RosterError(f"{exc}（读取的是“{source.sheet}”表；名单中还有：{'、'.join(source.other_sheets)}。"
                          f"如名单在其他表中，请在列名对照表中写明，如 sheet = \"{source.other_sheets[0]}\"）") from None
    roster = Roster(name, header, source.sheet, mapping_title=recognised.title if recognised else "",
                    mapping_name=Path(recognised.source).stem if recognised else "")
    _note_columns(roster, mapping, source.rows)
    keys = {c.key for _, c in header.positions}
    if "household_id" not in keys:
        raise RosterError(f"名单 {name} 中找不到“户编号”列，无法分户。请把表头改为“户编号”，"
                          f"或在列名对照表中写明哪一列是户编号（如 \"户号\" = \"户编号\"）。")
    if "township" not in keys and len(settings.townships) > 1:
        raise RosterError(f"名单 {name} 中找不到“乡镇”列，不知道各户属于哪个乡镇的台账。请加一列“乡镇”，"
                          f"或在列名对照表中写明（如 \"所在乡镇\" = \"乡镇\"）。")

    _check_value_maps(mapping, policy)
    if all(number <= header.last_row for number, _ in source.rows):
        raise RosterError(f"名单 {name} 只有表头（{header.describe()}），没有一行数据：请检查导出的是不是空名单。未写入任何台账。")
    label = header.label_of

    def relabel(problem: Problem) -> Problem:
        key = next((c.key for c in INPUT_COLUMNS if c.header == problem.column), None)
        return Problem(name, problem.row, label.get(key, problem.column), problem.message)

    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    loose: list[tuple[int, dict[str, Any]]] = []   # rows without 户编号: written as typed
    derived = [(key, rule) for key, rule in mapping.derived.items() if _readable(rule, header)]   # else said above
    for key, rule in derived:
        label.setdefault(key, "、".join(rule.sources))
    size_at = header.sources.get(norm(mapping.household_size)) if mapping.household_size else None
    sizes: dict[int, Any] = {}                     # row → the roster's 人数, checked per household below
    lost_numbers: list[tuple[int, Any]] = []       # rows whose 户编号 was stored as a number past 15 digits
    cell_notes: dict[int, dict[str, str]] = {}     # row → column key → comment (a derived value's working)
    derived_at = [[header.sources.get(norm(h)) for h in rule.sources] for _, rule in derived]
    seen: dict = {}                # (column, raw value) → _typed_cell's outcome: each distinct value worked out once
    seen_derived: dict = {}        # (derived column, its source values) → value, note, fault
    for number, values in source.rows:
        if number <= header.last_row:
            continue
        roster.data_rows += 1
        typed: dict[str, Any] = {}
        width = len(values)

        def put(column, raw: Any, label: str) -> None:
            """One cell into `typed`, worked out once per distinct (column, value) for the whole roster."""
            key = (column.key, type(raw), raw)     # the type too: 1, 1.0 and True are equal keys in a dict
            entry = seen.get(key)
            if entry is None:
                entry = seen[key] = _typed_cell(column, raw, mapping, policy)
            notes, good, value = entry
            if notes:
                roster.problems.extend(Problem(name, number, label, note) for note in notes)
            if not good:                           # as read_row does: a fact not read is not a blank one
                roster.problems.append(Problem(name, number, label, value))
                typed.setdefault(UNREADABLE, []).append(column.key)
            elif value is not None:
                typed[column.key] = own(value)

        for index, column in header.positions:
            raw = values[index] if index < width else None
            if raw is None or raw == "":
                continue
            key = column.key
            if key == "household_id" and _digits_lost(raw):
                lost_numbers.append((number, raw))
            entry = seen.get((key, type(raw), raw))
            if entry is not None and entry[1] and not entry[0]:    # seen before, nothing to say: most cells
                value = entry[2]
                if value is not None:
                    typed[key] = own(value)
                continue
            put(column, raw, label[key])
        for (key, rule), at in zip(derived, derived_at):
            column = BY_KEY[key]
            sources = tuple(values[i] if i is not None and i < width else None for i in at)
            typed_sources = (key, tuple((type(v), v) for v in sources))   # True, 1 and 1.0 are equal keys
            outcome = seen_derived.get(typed_sources)
            if outcome is None:
                try:
                    outcome = (*_derive(rule, list(sources)), None)
                except CellError as exc:
                    outcome = (None, "", f"{exc}，“{column.header}”未导入")
                seen_derived[typed_sources] = outcome
            value, note, fault = outcome
            if fault:
                roster.problems.append(Problem(name, number, label[key], fault))
            if value is not None:
                put(column, value, label[key])
                if note and typed.get(key) is not None:
                    cell_notes.setdefault(number, {})[key] = note
        if size_at is not None:
            sizes[number] = values[size_at] if size_at < width else None
        if not typed:
            continue
        _check_row(typed, number, name, label, roster.problems)
        household_id = typed.get("household_id")
        if household_id:
            groups.setdefault(str(household_id), []).append((number, typed))
        else:
            roster.problems.append(Problem(name, number, label["household_id"],
                                           "户编号未填：同一户每行都要填相同的户编号。本行已照原样导入，请在台账中补填"))
            loose.append((number, typed))

    if lost_numbers:
        # households are told apart by 户编号 alone: numbers cut to 15 digits would merge them, moving people between
        # households (and townships). Refused whole rather than half imported.
        shown = "、".join(f"第 {n} 行（{_shown_number_as_stored(v)}）" for n, v in lost_numbers[:3])
        raise RosterError(f"名单 {name} 的“{label['household_id']}”存成了数字（共 {len(lost_numbers)} 行，如{shown}）："
                          "Excel 只保留 15 位有效数字，更长的户编号末几位已丢失，不同的户会被当成同一户，无法分户，"
                          "未写入任何台账。请从系统重新导出（或把该列设为文本格式后重新录入户编号），再导入。")
    unroutable: list[str] = []
    for household_id, members in groups.items():
        township = _route(household_id, members, settings, name, label, roster.problems, unroutable)
        if township is None:
            continue
        for _, typed in members:
            typed["township"] = township.name
        _household_values_on_members(household_id, members, name, label, roster.problems)
        built_problems: list[Problem] = []
        built = build_household(household_id, members, policy, built_problems,
                                when_unbuilt="本户已照原样导入，请在台账中改正")
        roster.problems += [relabel(p) for p in built_problems]
        village = next((t["village"] for _, t in members if t.get("village")), "")
        if size_at is not None:
            _check_size(household_id, members, sizes, name, label.get("household_size", mapping.household_size),
                        roster.problems)
        head_row = next((n for n, t in members if t.get("relation") == "户主"), members[0][0])
        roster.households.append(RosterHousehold(household_id, township.name, village, [n for n, _ in members],
                                                 [t for _, t in members], built.household if built else None,
                                                 notes=cell_notes.get(head_row, {})))
        roster.row_townships.update({n: township.name for n, _ in members})
    for number, typed in loose:
        township = _route(f"（第 {number} 行）", [(number, typed)], settings, name, label, roster.problems, unroutable)
        if township is not None:
            typed["township"] = township.name
            roster.households.append(RosterHousehold("", township.name, typed.get("village", ""), [number], [typed]))
            roster.row_townships[number] = township.name
    if unroutable:
        more = f"等 {len(unroutable)} 处" if len(unroutable) > MAX_LISTED else ""
        known = "、".join(t.name for t in settings.townships)
        raise RosterError(f"名单 {name} 中有的户不知道该放进哪个乡镇的台账：" + "；".join(unroutable[:MAX_LISTED]) + more
                          + f"。“乡镇”须填乡镇全称（可选：{known}），或在区设置文件中加入该乡镇。未写入任何台账。")
    _check_duplicate_ids(roster, label.get("id_number", "身份证号"))
    roster.problems = _said_once(roster)
    roster.problems.sort(key=lambda p: p.row)
    return roster


def _readable(rule: Derived, header: Header) -> bool:
    """Whether the roster has the columns a derived column reads: all of them, or for first_of any."""
    present = [norm(h) in header.sources for h in rule.sources]
    return any(present) if rule.kind == "first_of" else all(present)


def _recognised(rows) -> RosterMapping | None:
    """The built-in preset whose `recognise` headers stand in one of the first rows — all but two of them at most, so
    that an export missing a column is still recognised and the missing column named, not a baffling 找不到“乡镇”列."""
    found = presets()
    for _, values in rows[:HEADER_SEARCH_ROWS]:
        labels = {norm(v) for v in values if v is not None}
        for preset in found:
            if preset.recognise and sum(norm(h) in labels for h in preset.recognise) >= max(1, len(preset.recognise) - 2):
                return preset
    return None


def _check_value_maps(mapping: RosterMapping, policy: Policy) -> None:
    """Every value a mapping maps to must be on its column's list: said against the mapping file, naming the line,
    not later against the roster's rows."""
    wrong = []
    for key, table in mapping.values.items():
        column = BY_KEY[key]
        if column.type == "bool":
            allowed = ("是", "否")
        elif column.type == "list" and column.values != "villages":
            allowed = policy.lists.values(column.values)
        else:
            continue
        for given, target in table.items():
            if target and target not in allowed:
                wrong.append(f"[values.\"{column.header}\"] 中 \"{given}\" = \"{target}\"：“{target}”不在下拉列表中"
                             f"（可选：{'、'.join(allowed[:12])}{'…' if len(allowed) > 12 else ''}）")
    if wrong:
        raise RosterError(f"列名对照表 {mapping.source or '（内置）'} 有误：" + "；".join(wrong[:MAX_LISTED]) + "。请改正后重试。")


def _typed_cell(column, value: Any, mapping: RosterMapping, policy: Policy) -> tuple[tuple[str, ...], bool, Any]:
    """One roster value as the ledger reads it: through the column's value map and `values.convert` (what the clerk
    should know: `notes`), then typed as the ledger's own cell would be (`cell_outcome`). Returns (notes, True, the
    model value) or (notes, False, what is wrong)."""
    notes: list[str] = []
    if isinstance(value, ErrorValue):   # #N/A where a name, an ID or a number should be: never taken as one
        return (), False, f"单元格显示错误值 {value}（源文件中的公式出错或数据缺失），未导入；请在名单中改正后重新导入"
    if isinstance(value, bool):         # as Excel shows it
        value = "TRUE" if value else "FALSE"
    elif type(value) is float and value.is_integer() and abs(value) < 1e15:
        value = int(value)          # calamine gives 3.0 for 3: text columns and messages take the 3 the cell shows
    try:
        converted = convert(column, mapping.mapped_value(column.key, value), notes)
    except CellError as exc:
        notes.append(str(exc))
        converted = None
    if converted is None:
        return tuple(notes), True, None
    good, typed = cell_outcome(column, converted, policy)
    return tuple(notes), good, typed


def _digits_lost(value: Any) -> bool:
    """A 户编号 stored as a number of more than 15 digits (or written out as 5.20111E+17): its last digits are gone."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return abs(value) >= 1e15
    return isinstance(value, str) and bool(re.fullmatch(r"\s*\d+(\.\d+)?[eE]\+?\d+\s*", value))


def _shown_number_as_stored(value: Any) -> str:
    return f"{value:.5E}" if isinstance(value, (int, float)) else str(value).strip()


def _number(value: Any, header: str) -> float | None:
    """A roster cell read as a number for a derived column: None when blank; CellError when not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(f"“{header}”为“{'TRUE' if value else 'FALSE'}”，不是数字")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise CellError(f"“{header}”为“{value}”，不是数字") from None
    if not math.isfinite(number):        # "nan", "inf" read by float(): not an amount
        raise CellError(f"“{header}”为“{value}”，不是数字")
    return number


def _shown_number(number: float) -> str:
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _derive(rule: Derived, raw: list[Any]) -> tuple[Any, str]:
    """A derived column's value from its roster values (in `rule.sources` order), and its note filled in."""
    if rule.kind == "first_of":
        return next((v for v in raw if v is not None and str(v).strip()), None), ""
    numbers = [_number(v, h) for v, h in zip(raw, rule.sources)]
    if any(n is None for n in numbers):
        return None, ""
    if rule.kind == "above_zero":
        if numbers[0] < 0:
            raise CellError(f"“{rule.sources[0]}”为“{_shown(raw[0])}”，是负数")
        return ("是" if numbers[0] > 0 else "否"), ""
    if numbers[1] <= 0:          # the second is the count (人数): none means the working cannot be done
        raise CellError(f"“{rule.sources[1]}”为“{_shown(raw[1])}”，不能据此折算")
    value = round(numbers[0] * numbers[1], 2)
    note = rule.note.replace("{1}", _shown_number(numbers[0])).replace("{2}", _shown_number(numbers[1]))
    return (int(value) if value.is_integer() else value), note


def _check_size(household_id: str, members, sizes: dict[int, Any], name: str, column: str,
                problems: list[Problem]) -> None:
    """The roster's 人数 against the household's rows: a member missing from the export, or a wrong count."""
    said = set()
    for number, _ in members:
        try:
            value = _number(sizes.get(number), column)
        except CellError:
            continue                     # not a number: nothing to compare (the column is not imported)
        if value is not None:
            said.add(int(value) if value.is_integer() else value)
    rows = len(members)
    if len(said) > 1:
        problems.append(Problem(name, members[0][0], column, f"户编号“{household_id}”各行的人数不一致"
                                f"（{'、'.join(str(v) for v in sorted(said))}），名单中本户有 {rows} 行：请核对"))
    elif said and next(iter(said)) != rows:
        problems.append(Problem(name, members[0][0], column, (
            f"户编号“{household_id}”的人数为 {next(iter(said))}，但名单中本户有 {rows} 行：请核对是否漏导了成员或人数有误"
            "（家庭年纯收入按名单的人数折算，台账的人均按实际行数计算）")))


_OFF_LIST = "”不在下拉列表中"


def _grouped(message: str) -> bool:
    """A problem with a value the export writes the same way on many rows: off its list (a value map fixes it once),
    or a derived column's source not usable (人均纯收入 “不详”)."""
    return _OFF_LIST in message or message.endswith("”未导入")


def _said_once(roster: Roster) -> list[Problem]:
    """The same value problem in the same column (per township) said once, with its count and first rows, rather
    than once per cell: 500 rows of 七年级, or of 人均纯收入 “不详”, are one thing to fix, not 500."""
    kept: list[Problem] = []
    same: dict[tuple[str, str, str], list[Problem]] = {}
    at: dict[tuple[str, str, str], int] = {}
    for problem in roster.problems:
        if not _grouped(problem.message):        # a fault of the row's own (an ID's check digit): each row listed
            kept.append(problem)
            continue
        key = (roster.row_townships.get(problem.row, ""), problem.column, problem.message)
        if key not in same:
            at[key] = len(kept)
            kept.append(problem)
        same.setdefault(key, []).append(problem)
    for key, problems in same.items():
        if len(problems) < 2:
            continue
        first = problems[0]
        rows = [p.row for p in problems]
        more = "等" if len(rows) > MAX_LISTED else ""
        said = f"。同样的问题共 {len(rows)} 行（第 {'、'.join(str(r) for r in rows[:MAX_LISTED])}{more} 行）"
        if _OFF_LIST in first.message:
            ledger_header = next((BY_KEY[k].header for k, shown in roster.header.label_of.items()
                                  if shown == first.column), first.column)
            said = (f"。同样的值共 {len(rows)} 行（第 {'、'.join(str(r) for r in rows[:MAX_LISTED])}{more} 行），都未导入；"
                    f"如是系统自己的写法，可在列名对照表的 [values.\"{ledger_header}\"] 中写明对应台账的哪个值")
        kept[at[key]] = Problem(first.sheet, first.row, first.column, first.message + said)
    return kept


def _note_columns(roster: Roster, mapping: RosterMapping, rows) -> None:
    """Roster columns left out (notes), and mapping entries that found no column (problems), on the header row."""
    header, name, row = roster.header, roster.name, roster.header_row
    if header.ignored:
        why = "不是台账的列；如需导入，请在列名对照表中写明对应的台账列"
        roster.notes.append(Problem(name, row, "", f"以下列未导入（{why}）：" + "、".join(f"“{h}”" for h in header.ignored)))
    for identical, chosen in header.overruled:
        roster.notes.append(Problem(name, row, identical, f"未导入：列名对照表已指定“{chosen}”导入这一台账列"))
    header_cells = {norm(v) for number, values in rows if number in header.rows for v in values if v is not None}
    labels = {norm(label) for label in header.label_of.values()} | header_cells
    for declared in mapping.declared:
        if norm(declared) not in labels:
            roster.problems.append(Problem(name, row, declared, "对照表中写了这一列，但名单中没有，该项未导入"))
    for key, rule in mapping.derived.items():
        if not _readable(rule, header):
            missing = "、".join(f"“{h}”" for h in rule.sources if norm(h) not in header.sources)
            roster.problems.append(Problem(name, row, BY_KEY[key].header,
                                           f"对照表要由 {missing} 列得出“{BY_KEY[key].header}”，但名单中没有，该项未导入"))
    if mapping.household_size and norm(mapping.household_size) not in header.sources:
        roster.notes.append(Problem(name, row, mapping.household_size, "名单中没有这一列，各户人数未与行数核对"))


# The ledger finds a person's household head with MATCH, which reads * ? ~ as wildcards, and a 户编号 beginning with
# = < > is taken by Excel as a formula or a comparison when retyped: such a 户编号 could gather the wrong rows.
_UNSAFE_HOUSEHOLD_ID = re.compile(r"^[=<>]|[*?~]")


def _check_row(typed: dict[str, Any], number: int, name: str, label: dict[str, str], problems: list[Problem]) -> None:
    """What the ledger's row check would say of one row's values that the cell reading lets through."""
    household_id = str(typed.get("household_id") or "")
    if _UNSAFE_HOUSEHOLD_ID.search(household_id):
        problems.append(Problem(name, number, label["household_id"],
                                f"户编号“{household_id}”含有 * ? ~ 或以 = < > 开头：台账公式会把它当作通配符或比较条件，"
                                "本户的人数和分级会算错。已照原样导入，请改用字母、数字和连字符"))
    if typed.get("id_number"):
        try:
            id_number.validate(typed["id_number"])
        except id_number.IdNumberError as exc:
            problems.append(Problem(name, number, label["id_number"], f"{exc}（已照原样导入，请核对）"))
    income = typed.get("annual_net_income")
    if isinstance(income, (int, float)) and income < 0:
        problems.append(Problem(name, number, label["annual_net_income"],
                                f"R1 家庭年纯收入为负数（{yuan(income)} 元），已照原样导入；请核对是否填错，确为经营亏损请在备注中说明"))


def _check_duplicate_ids(roster: Roster, column: str) -> None:
    """The same person twice: within a township, or in two townships' ledgers (a person is monitored once)."""
    rows = sorted((n, t.get("id_number"), h.township) for h in roster.households for n, t in zip(h.rows, h.typed))
    for (number, township), (other, other_township) in id_number.repeats(((n, w), i) for n, i, w in rows):
        if other_township == township:
            what = f"身份证号与第 {other} 行重复：同一人登记了两次"
        else:
            what = f"身份证号与第 {other} 行（{other_township}）重复：同一人会同时出现在{other_township}和{township}的台账中"
        roster.problems.append(Problem(roster.name, number, column, f"{what}；已照原样导入，请核对后删去多余的一行"))


_HOUSEHOLD_KEYS = tuple(c.key for c in INPUT_COLUMNS if c.level == "household")


def _household_values_on_members(household_id: str, members: list[tuple[int, dict[str, Any]]], name: str,
                                 label: dict[str, str], problems: list[Problem]) -> None:
    """Household facts (income, 户类型, 备注 …) are read from the head's row only. One typed on a member's row is
    taken, silently, when the head's row says the same; otherwise it is reported with both values, never dropped
    without a word (the row is imported; the member's value does not reach the ledger)."""
    heads = [typed for _, typed in members if typed.get("relation") == "户主"]
    if len(heads) != 1:                    # no head or several: build_household says so
        return
    head = heads[0]
    for number, typed in members:
        if typed is head:
            continue
        for key in _HOUSEHOLD_KEYS:
            value = typed.get(key)
            if value in (None, "") or value == head.get(key):
                continue
            if key in head.get(UNREADABLE, ()):
                said = "的值无法读取（见该行的问题）"
            else:
                said = "未填" if head.get(key) in (None, "") else f"填的是“{_shown(head.get(key))}”"
            problems.append(Problem(name, number, label.get(key, BY_KEY[key].header),
                                    f"户编号“{household_id}”：“{BY_KEY[key].header}”是全户的情况，只读户主行；本行（成员）填了"
                                    f"“{_shown(value)}”，户主行{said}，本行的值没有导入：请把它填到户主行"))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"          # a 是/否 column's model value
    if isinstance(value, list):
        return "、".join(map(str, value))       # a column of several values (致贫原因 …)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _route(household_id: str, members, settings: DistrictSettings, name: str, label: dict[str, str],
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
            problems.append(Problem(name, other_number, label.get("township", "乡镇"),
                                    f"乡镇“{other}”与本户第 {number} 行的“{value}”不同，整户按“{township.name}”导入，请核对"))
    return township
