"""Finding a roster's header and placing each of its columns on a ledger column.

The header is the row, among the first 20, where most cells name a ledger column (or `header_row` of the mapping).
Many district rosters have a two-row header: group labels merged across several columns ("家庭成员情况") over
sub-headers ("姓名", "身份证号"), with single columns ("户编号") merged down through both rows. Merged cells keep their
text in their first cell only, in an .xlsx and in the CSV Excel exports from it, so the two rows are recognised from
their values: a row whose labels leave blanks to their right (a label merged across), with sub-headers under those
blanks. Each column is then known by its sub-header, or by "group/sub-header" when two columns share a sub-header,
or by the group row's text where it was merged down. Two columns that share a sub-header and that the mapping does
not tell apart are refused, naming them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hx_excel.ledger.schema import Column
from hx_excel.roster.mapping import RosterError, RosterMapping, ledger_column, norm

HEADER_SEARCH_ROWS = 20


@dataclass
class Header:
    rows: tuple[int, ...]                                    # the header's row numbers: one, or two
    positions: list[tuple[int, Column]]                      # (index in the row, ledger column)
    label_of: dict[str, str]                                 # ledger column key → the roster's own label for it
    ignored: list[str] = field(default_factory=list)         # roster labels not imported
    overruled: list[tuple[str, str]] = field(default_factory=list)   # (identical header, declared label) pairs
    sources: dict[str, int] = field(default_factory=dict)    # norm(label) → index: what derived columns read

    @property
    def last_row(self) -> int:
        return self.rows[-1]

    def describe(self) -> str:
        return f"第 {self.rows[0]} 行" if len(self.rows) == 1 else f"第 {self.rows[0]}–{self.rows[1]} 行（两行表头）"


def _text(value: Any) -> str:
    return str(value).strip() if value is not None and str(value).strip() else ""


def _known(value: Any, mapping: RosterMapping) -> bool:
    return bool(_text(value)) and (mapping.column_for(value) is not None or norm(value) in mapping.source_headers)


def locate(numbered_rows: list[tuple[int, tuple[Any, ...]]], mapping: RosterMapping, name: str) -> Header:
    """The header of a roster whose non-blank rows are `numbered_rows`; RosterError when there is none."""
    by_number = dict(numbered_rows)
    if mapping.header_row is not None:
        if mapping.header_row not in by_number:
            raise RosterError(f"名单 {name} 第 {mapping.header_row} 行是空的，但对照表写明表头在这一行（header_row）。")
        first = mapping.header_row
    else:
        scored = [(sum(_known(v, mapping) for v in values), number) for number, values in numbered_rows[:HEADER_SEARCH_ROWS]]
        best = max((s for s, _ in scored), default=0)
        if not best:
            examples = "、".join(c.header for c in list(mapping.declared.values())[:3]) or "户编号、姓名、身份证号"
            raise RosterError(f"在名单 {name} 的前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有一列叫 {examples} 等台账列名。"
                              "请把表头改成台账的列名，或用 --mapping 指定列名对照表。")
        first = next(number for score, number in scored if score == best)

    group, sub = _two_rows(by_number, first, mapping)
    if group is None:
        labels = [[_text(v)] if _text(v) else [] for v in by_number[first]]
        return _place(labels, (first,), mapping, name)
    width = max(len(by_number[group]), len(by_number[sub]))
    group_row = [_text(v) for v in by_number[group]] + [""] * width
    sub_row = [_text(v) for v in by_number[sub]] + [""] * width
    labels, spanning = [], ""
    for index in range(width):
        spanning = group_row[index] or spanning
        if sub_row[index]:
            # matched as "group/sub" when the mapping says so, else by the sub-header alone
            labels.append([f"{spanning}/{sub_row[index]}", sub_row[index]] if spanning else [sub_row[index]])
        else:
            labels.append([group_row[index]] if group_row[index] else [])   # merged down through both rows
    return _place(labels, (group, sub), mapping, name)


def _two_rows(by_number: dict[int, tuple[Any, ...]], row: int, mapping: RosterMapping) -> tuple[int | None, int]:
    """(group row, sub-header row) when `row` belongs to a two-row header, else (None, row)."""
    def cells(number: int) -> list[str]:
        return [_text(v) for v in by_number.get(number, ())]

    def spans_over(upper: list[str], lower: list[str]) -> bool:
        """`upper` has a label merged across columns (blanks to its right) with sub-headers under the blanks."""
        seen_label = False
        for index, text in enumerate(lower):
            above = upper[index] if index < len(upper) else ""
            if above:
                seen_label = True
            elif seen_label and text and not _number_like(text):
                return True
        return False

    below = cells(row + 1)
    if below and spans_over(cells(row), below) and any(_known(v, mapping) for v in below):
        return row, row + 1
    above = cells(row - 1)
    if sum(bool(t) for t in above) >= 2 and spans_over(above, cells(row)):
        return row - 1, row
    return None, row


def _number_like(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "").isdigit()


def _place(labels: list[list[str]], header_rows: tuple[int, ...], mapping: RosterMapping, name: str) -> Header:
    """Each column's ledger column, from its candidate labels (most specific first)."""
    header = Header(header_rows, [], {})
    claimed: dict[str, tuple[int, str, bool, str]] = {}   # key → (index, label, declared, matched-by text)
    for index, candidates in enumerate(labels):
        if not candidates:
            continue
        label = candidates[0]
        read = next((norm(c) for c in candidates if norm(c) in mapping.source_headers), None)
        if read is not None:
            if read in header.sources:     # two columns of one name: which one the working reads is not known
                raise RosterError(f"名单 {name} {header.describe()}有两列都叫“{label}”（第 {header.sources[read] + 1} 列和第 "
                                  f"{index + 1} 列），不知道用哪一列：请删去或改名其中一列后重试。")
            header.sources[read] = index
        found = None
        for candidate in candidates:
            if (column := mapping.declared_for(candidate)) is not None:
                found = (column, True, candidate)
                break
        else:
            for candidate in candidates:
                if (column := mapping.identical_for(candidate)) is not None:
                    found = (column, False, candidate)
                    break
        if found is not None and found[0].key in mapping.derived:
            found = None          # the mapping works this ledger column out (reading this column, or others)
        if found is None:
            known = ledger_column(candidates[-1])
            if read is None and (known is None or known.kind == "input"):   # a computed column of ours: silently
                header.ignored.append(label)
            continue
        column, declared, matched = found
        if column.key in claimed:
            other_index, other_label, other_declared, other_matched = claimed[column.key]
            if declared != other_declared:   # a declared entry wins over an identical header
                identical, chosen = (other_label, label) if declared else (label, other_label)
                header.overruled.append((identical, chosen))
                if not declared:
                    continue
                header.positions = [(i, c) for i, c in header.positions if c.key != column.key]
            elif len(header_rows) == 2 and matched == other_matched:
                raise RosterError(
                    f"名单 {name} 第 {header_rows[0]}–{header_rows[1]} 行是两行表头，其中“{other_label}”和“{label}”"
                    f"都叫“{matched}”，无法确定哪一列是台账的“{column.header}”列。请在列名对照表中写明，"
                    f"如 \"{label}\" = \"{column.header}\"（另一列不写则不导入）。")
            else:
                raise RosterError(f"名单 {name} {header.describe()}有两列都对应台账“{column.header}”列"
                                  f"（“{other_label}”和“{label}”），请删去或改名其中一列，或在列名对照表中只写其中一列。")
        claimed[column.key] = (index, label, declared, matched)
        header.positions.append((index, column))
        header.label_of[column.key] = label
    header.positions.sort()
    return header
