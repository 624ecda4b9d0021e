"""Reading a roster (名单) of one row per person into households, each bound for one township's workbook.

Every cell goes through `values.convert` (cleaning, text read as Excel reads what is typed) and then the ledger's
own `cells.from_cell` and value-list check (`reader.read_row`); rows are grouped into households by 户编号 and each
household is validated by the model, exactly as the ledger's rows are. So the import finds what the ledger will
find: bad and duplicate ID numbers (within the roster, and across the townships it fills), values off their lists,
text in number and date cells, impossible dates, numbers too large to store. Each fault becomes a `Problem` naming
the roster file, its row and its own column label; a faulty cell is left out, and a household that does not
validate is written as typed so the ledger's row check shows what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hx_excel.core import id_number
from hx_excel.core.grading import yuan
from hx_excel.core.models import Household
from hx_excel.districts import DistrictSettings, Township
from hx_excel.ledger.cells import CellError
from hx_excel.ledger.reader import Problem, build_household, read_row
from hx_excel.ledger.schema import BY_KEY, INPUT_COLUMNS
from hx_excel.policy import Policy
from hx_excel.roster.header import Header, locate
from hx_excel.roster.mapping import RosterError, RosterMapping, load_mapping, norm
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

    @property
    def header_row(self) -> int:
        return self.header.rows[0]

    def describe(self) -> str:
        """Where the data was read from, for the clerk to check at a glance."""
        sheet = f"读取“{self.sheet}”表，" if self.sheet else ""
        return f"名单 {self.name}：{sheet}表头在{self.header.describe()}，数据 {self.data_rows} 行，共 {len(self.households)} 户。"

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
    if not isinstance(mapping, RosterMapping):
        mapping = load_mapping(mapping)
    name = path.name
    source = read_source(path, mapping.sheet)
    if not source.rows:
        raise RosterError(f"名单 {name} 是空的：没有表头，也没有数据。")
    header = locate(source.rows, mapping, name)
    roster = Roster(name, header, source.sheet)
    _note_columns(roster, mapping, source.rows)
    keys = {c.key for _, c in header.positions}
    if "household_id" not in keys:
        raise RosterError(f"名单 {name} 中找不到“户编号”列，无法分户。请把表头改为“户编号”，"
                          f"或在列名对照表中写明哪一列是户编号（如 \"户号\" = \"户编号\"）。")
    if "township" not in keys and len(settings.townships) > 1:
        raise RosterError(f"名单 {name} 中找不到“乡镇”列，不知道各户属于哪个乡镇的台账。请加一列“乡镇”，"
                          f"或在列名对照表中写明（如 \"所在乡镇\" = \"乡镇\"）。")

    label = header.label_of

    def relabel(problem: Problem) -> Problem:
        key = next((c.key for _, c in header.positions if c.header == problem.column), None)
        return Problem(name, problem.row, label.get(key, problem.column), problem.message)

    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    loose: list[tuple[int, dict[str, Any]]] = []   # rows without 户编号: written as typed
    placed = [(n, c) for n, (_, c) in enumerate(header.positions)]
    for number, values in source.rows:
        if number <= header.last_row:
            continue
        roster.data_rows += 1
        converted = []
        for index, column in header.positions:
            notes: list[str] = []
            try:
                value = convert(column, values[index] if index < len(values) else None, notes)
            except CellError as exc:
                notes.append(str(exc))
                value = None
            roster.problems += [Problem(name, number, label[column.key], note) for note in notes]
            converted.append(value)
        cell_problems: list[Problem] = []
        typed = read_row(number, tuple(converted), placed, policy, cell_problems)
        roster.problems += [relabel(p) for p in cell_problems]
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
        roster.households.append(RosterHousehold(household_id, township.name, village, [n for n, _ in members],
                                                 [t for _, t in members], built.household if built else None))
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
    roster.problems.sort(key=lambda p: p.row)
    return roster


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
            said = "未填" if head.get(key) in (None, "") else f"填的是“{_shown(head.get(key))}”"
            problems.append(Problem(name, number, label.get(key, BY_KEY[key].header),
                                    f"户编号“{household_id}”：“{BY_KEY[key].header}”是全户的情况，只读户主行；本行（成员）填了"
                                    f"“{_shown(value)}”，户主行{said}，本行的值没有导入：请把它填到户主行"))


def _shown(value: Any) -> str:
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
