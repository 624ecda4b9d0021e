"""The village public notice (村级评议及公示) of one village, as the A4 sheet posted on the village board.

Two notices, one chain step each (policy.md, "The month's records"):
- `D2` 识别纳入: the village's red and yellow households (in scope, not entered, not exited) that have applied and
  signed (申请及承诺授权), whose notice has started (村级公示开始 typed) or starts on the day given (`--from`), and whose
  township review (乡级核查研判) has not yet happened — nor has their notice already run (its end typed, or its five
  days over before the assessment day).
- `D5` 风险消除: monitored households (entered, not exited) the village has nominated (提名) whose household check
  (风险消除入户核实) is done, at the notice step in the same way (started or starting, no township review yet, not run).
Every other red or yellow household of the village (D2), or nominated household (D5), is named with why it is not on
the notice (`Notice.not_ready`): a household whose earlier steps are missing is not posted. Each household keeps its own
period: its own typed start, else `--from`; the tool never invents one (`NoticeError` when nothing could be posted for
want of a start date).

The notice is posted in public, so it carries only what the village may show: 组, the head's name, the number of
persons, the head's ID number masked (`id_number.mask`, never the whole number), the category and the reason in
plain words. Health facts (健康状况, 残疾等级, illnesses) are never printed: R5 is worded neutrally, and the
household type (重度残疾人家庭, 大病患者家庭 …), the 备注 and the clauses' reasons are left out altogether.

The period runs `policy.deadlines.public_notice_days` (D2) or `elimination_notice_days` (D5) days, the first day
counted (`days.notice_last_day`, in the policy's day mode).

Pure functions on an AssessedLedger: `notice_rows` chooses and words the rows, `notice_workbook` lays them out.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Side

from hx_excel.core.clauses import CLAUSES
from hx_excel.core.days import notice_last_day
from hx_excel.core.id_number import mask
from hx_excel.core.workflow import exit_kind
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4
from hx_excel.ledger.cells import put
from hx_excel.ledger.schema import column_index
from hx_excel.operations.assessed import AssessedHousehold, AssessedLedger

Kind = Literal["纳入", "消除"]
KINDS: tuple[Kind, ...] = ("纳入", "消除")
INCLUSION, ELIMINATION = KINDS

# What each clause says on a public notice: the catalogue's label, except R5, whose label names illness and
# disability (重病重残未参保) — a health fact the village board must not show.
PUBLIC_WORDING = {**{c.id: c.label for c in CLAUSES.values() if c.grade in ("红", "黄")},
                  "R5": "家庭成员医疗保障需跟进"}
# D5's conditions, in the document's words, as the reason for every household on the elimination notice.
ELIMINATION_REASON = "收入持续稳定，两不愁三保障及饮水安全有保障"
ELIMINATION_CATEGORY = "风险消除"
REASON_SEPARATOR = "；"
PHONE_BLANK = "________"

TITLES = {INCLUSION: "防返贫监测对象识别纳入公示", ELIMINATION: "防返贫监测对象风险消除公示"}
WHAT = {INCLUSION: "识别纳入户", ELIMINATION: "风险消除户"}
WHO = {INCLUSION: "红色或黄色、已申请及承诺授权、公示已开始或从 --from 开始、尚未乡级核查研判的户",
       ELIMINATION: "已纳入监测、已提名并完成风险消除入户核实、公示已开始或从 --from 开始、尚未乡级审核的户"}
COLUMNS = {  # header, width (characters)
    INCLUSION: (("序号", 6), ("组", 8), ("户主姓名", 11), ("家庭人口", 7), ("户主身份证号", 22), ("拟纳入类别", 15),
                ("主要原因", 31)),
    ELIMINATION: (("序号", 6), ("组", 8), ("户主姓名", 11), ("家庭人口", 7), ("户主身份证号", 22), ("公示事项", 11),
                  ("风险消除理由", 35)),
}
PERIOD_HEADER = "公示期"          # a column of its own when the households were posted on different days
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
_VILLAGE_INDEX = column_index("village") - 1     # 0-based, in a row laid out as schema.COLUMNS


class NoticeError(ValueError):
    """The notice cannot be made as asked (a village the ledger does not know); the message says what to type."""


@dataclass(frozen=True)
class NoticeRow:
    number: int
    group: str
    head_name: str
    persons: int | None
    masked_id: str
    category: str
    reason: str
    sheet_row: int                      # the head's row on 台账, for messages to the clerk
    start: date                         # this household's notice period, the first day counted
    end: date


@dataclass
class Notice:
    kind: Kind
    township: str
    village: str
    title: str
    days: int
    working_days: bool
    phone: str
    rows: list[NoticeRow] = field(default_factory=list)
    not_ready: list[str] = field(default_factory=list)  # households of the village at another step, and why
    notes: list[str] = field(default_factory=list)      # for the clerk's screen only, never on the notice
    warnings: list[str] = field(default_factory=list)   # data to look at before posting (the command exits 1)

    @property
    def periods(self) -> list[tuple[date, date]]:
        return list(dict.fromkeys((r.start, r.end) for r in self.rows))

    @property
    def one_period(self) -> bool:
        """Every household posted for the same days: the period is said once, under the table."""
        return len(self.periods) <= 1

    @property
    def start(self) -> date | None:
        return min((r.start for r in self.rows), default=None)

    @property
    def end(self) -> date | None:
        return max((r.end for r in self.rows), default=None)

    @property
    def committee(self) -> str:
        """村民委员会 for a village, 居民委员会 for a 社区 or 居."""
        body = "居民委员会" if self.village.endswith(("社区", "居")) else "村民委员会"
        return f"{self.village}{body}"

    @property
    def township_office(self) -> str:
        if not self.township:
            return "乡（镇、街道）"
        return f"{self.township}{'办事处' if self.township.endswith('街道') else '人民政府'}"

    @property
    def period_text(self) -> str:
        unit = "个工作日" if self.working_days else "天"
        if self.one_period and self.rows:
            return f"{_day(self.start)}至{_day(self.end)}（共 {self.days} {unit}）"
        return f"各户见上表“公示期”一栏（自公示之日起 {self.days} {unit}，含首日）"

    @property
    def intro(self) -> str:
        """What is being put up for comment, after the table."""
        if self.kind == INCLUSION:
            return (f"经入户核实、农户申请及承诺授权、村级评议，拟将以上 {len(self.rows)} 户识别纳入防返贫监测对象，"
                    "现予公示。")
        return f"经村（居）提名、入户核实、村级评议，拟对以上 {len(self.rows)} 户监测对象标注风险消除，现予公示。"

    @property
    def objection(self) -> str:
        return (f"公示期：{self.period_text}。公示期间，如有异议，请以书面、电话或当面等方式向{self.committee}"
                f"或{self.township_office}反映。")

    @property
    def phone_line(self) -> str:
        return f"监督电话：{self.phone or PHONE_BLANK}"

    @property
    def signature(self) -> str:
        return f"{self.committee}（盖章）    年  月  日"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ledger_villages(ledger: AssessedLedger) -> list[str]:
    """The villages the ledger knows: 参数's 村（居）名单, then any other typed in the households' 村 column."""
    names = [v.strip() for v in ledger.book.settings.villages]
    names += [h.household.village.strip() for h in ledger.households]
    return list(dict.fromkeys(n for n in names if n))


def _exited(h: AssessedHousehold, ledger: AssessedLedger) -> bool:
    return bool(exit_kind(h.household, ledger.policy))


def _stage(h: AssessedHousehold, ledger: AssessedLedger, kind: Kind, start: date | None) -> tuple[str, date | None]:
    """Where a household of the village stands for this notice: ("post", its start), ("", None) when the notice is
    not about it at all, or (why it is not posted, None)."""
    x, a = h.household, h.assessment
    if kind == INCLUSION:
        if a is None or a.grade not in ("红", "黄") or x.entered_on is not None or _exited(h, ledger):
            return "", None
        if not a.in_scope:
            return "户类型不在监测预警范围（S1 S2），分级仅供参考，不公示；如确应纳入，请核实户类型或按重点群体登记", None
        steps = (("农户申请及承诺授权日期", x.application_on),)
        own, end, review = x.notice_start_on, x.notice_end_on, x.township_review_on
        review_name = "乡级核查研判"
    else:
        if x.entered_on is None or _exited(h, ledger) or x.eliminated_on is not None \
                or x.elimination_nominated_on is None:
            return "", None
        steps = (("风险消除入户核实日期", x.elimination_check_on),)
        own, end, review = x.elimination_notice_start_on, x.elimination_notice_end_on, x.elimination_township_review_on
        review_name = "风险消除乡级审核"
    missing = [name for name, on in steps if on is None]
    if missing:
        return f"尚未填写{'、'.join(missing)}：前面的程序未完成，暂不公示", None
    if review is not None:
        return f"已于 {review:%Y-%m-%d} 完成{review_name}，公示已结束", None
    if end is not None:
        return f"公示已于 {end:%Y-%m-%d} 结束，下一步{review_name}", None
    first = own or start
    if first is None:
        return "尚未填写公示开始日期：在台账填写，或运行时加 --from 日期", None
    before = steps[-1][1]
    if first < before:      # D2 D5: a step cannot precede the one before it
        given = f"公示开始日期 {first:%Y-%m-%d}" + ("" if own else "（--from）")
        return f"{given}早于{steps[-1][0].removesuffix('日期')}（{before:%Y-%m-%d}）：程序顺序不对，请核对日期", None
    last = _last_day(first, kind, ledger)
    if own is not None and last < ledger.as_of:
        return f"公示期 {own:%Y-%m-%d} 至 {last:%Y-%m-%d} 已过（评估日期 {ledger.as_of:%Y-%m-%d}），下一步{review_name}", None
    return "post", first


def _last_day(first: date, kind: Kind, ledger: AssessedLedger) -> date:
    d = ledger.policy.deadlines
    days = d.public_notice_days if kind == INCLUSION else d.elimination_notice_days
    return notice_last_day(first, days, d.day_mode, ledger.policy.calendar)


def inclusion_reason(h: AssessedHousehold) -> str:
    """D2: the red and yellow clauses that hold, in public wording (R5 neutral, no health facts)."""
    ids = [c.id for c in h.assessment.clauses if c.id in PUBLIC_WORDING] if h.assessment else []
    return REASON_SEPARATOR.join(PUBLIC_WORDING[i] for i in ids)


def _township(ledger: AssessedLedger, village: str) -> str:
    """参数's 乡镇, else the 乡镇 typed for the village's households when they all agree, else blank."""
    if ledger.book.settings.township:
        return ledger.book.settings.township.strip()
    typed = {h.household.township.strip() for h in ledger.households if h.household.village.strip() == village}
    typed.discard("")
    return typed.pop() if len(typed) == 1 else ""


def notice_rows(ledger: AssessedLedger, village: str, kind: Kind = INCLUSION, start: date | None = None) -> Notice:
    """The notice of `village`: the households D2 (纳入) or D5 (消除) puts up for comment, and its period.
    NoticeError when the ledger knows no such village."""
    if kind not in KINDS:
        raise NoticeError(f"公示类别只能是{'或'.join(KINDS)}，现为“{kind}”")
    village = village.strip()
    known = ledger_villages(ledger)
    if village not in known:
        listed = "、".join(known) if known else "（无：“参数”表村（居）名单和台账“村”列都是空的）"
        raise NoticeError(f"{ledger.name} 中没有“{village}”：“参数”表村（居）名单和台账“村”列中的村（居）有 {listed}。"
                          "请按其中的写法填写 --village。")
    policy = ledger.policy
    deadlines = policy.deadlines
    township = _township(ledger, village)
    notice = Notice(kind=kind, township=township, village=village, title=f"{township}{village}{TITLES[kind]}",
                    days=deadlines.public_notice_days if kind == INCLUSION else deadlines.elimination_notice_days,
                    working_days=deadlines.day_mode == "working", phone=ledger.book.settings.phone.strip())
    posted: list[AssessedHousehold] = []
    waiting_for_start = 0
    for h in (h for h in ledger.households if h.household.village.strip() == village):
        stage, first = _stage(h, ledger, kind, start)
        if not stage:
            continue
        head = h.head
        who = f"台账第 {h.entry.head_row} 行 {head.name if head else ''}（{h.household.group or '组未填'}）"
        if stage != "post":
            notice.not_ready.append(f"{who}：{stage}")
            waiting_for_start += stage.startswith("尚未填写公示开始日期")
            continue
        x = h.household
        if kind == INCLUSION:
            category, reason = h.assessment.category, inclusion_reason(h)
        else:
            category, reason = ELIMINATION_CATEGORY, ELIMINATION_REASON
        posted.append(h)
        notice.rows.append(NoticeRow(number=len(notice.rows) + 1, group=x.group, head_name=head.name if head else "",
                                     persons=x.size, masked_id=mask(head.id_number) if head and head.id_number else "",
                                     category=category, reason=reason, sheet_row=h.entry.head_row, start=first,
                                     end=_last_day(first, kind, ledger)))
    if not notice.rows and waiting_for_start:
        raise NoticeError(f"{village}有 {waiting_for_start} 户已到公示这一步，但台账没有填写公示开始日期，本工具不替您定公示期："
                          "请在台账填写“村级公示开始”（风险消除为“风险消除公示开始”），或运行时加 --from 公示开始日期（如 "
                          "--from 2022-07-06）。\n" + "\n".join(notice.not_ready))
    if waiting_for_start:
        notice.warnings.append(f"另有 {waiting_for_start} 户已到公示这一步但未填公示开始日期，未列入：见下面的说明")

    clause = "D2" if kind == INCLUSION else "D5"
    if kind == ELIMINATION:
        for h, r in zip(posted, notice.rows):   # D5: the risk must be gone; a red or yellow clause still holding says not
            still = [c.id for c in h.assessment.clauses if c.grade in ("红", "黄")] if h.assessment else []
            if still:
                notice.warnings.append(f"台账第 {r.sheet_row} 行 {r.head_name}：按台账填写仍符合 {'、'.join(still)}，"
                                       f"{clause} 风险尚未稳定消除，请入户核实后再公示")
    undecided = [h for h in ledger.households if h.household.village.strip() == village and h.assessment is not None
                 and h.assessment.grade == "待补充" and h.household.entered_on is None and not _exited(h, ledger)]
    if kind == INCLUSION and undecided:
        names = "、".join(f"第 {h.entry.head_row} 行 {h.head.name if h.head else ''}" for h in undecided[:10])
        notice.warnings.append(f"{village}另有 {len(undecided)} 户分级为“待补充”（{names}{'等' if len(undecided) > 10 else ''}），"
                               "缺少分级所需的情况，是否需要公示无法判断：补全后再运行")
    # a row whose 村 is blank (a merged cell, or not typed) may be the village's: said too
    unusable = [p for p in ledger.problems if p.sheet == "参数" or _row_village(ledger, p.row) in (village, "")]
    if unusable:
        notice.warnings.append(f"{village}的行中有 {len(unusable)} 处填写有误，相关的户可能未列入名单："
                               + "；".join(str(p) for p in unusable[:5]) + ("……" if len(unusable) > 5 else "")
                               + "。请先用 hx-excel check 检查并改正")
    return notice


def _row_village(ledger: AssessedLedger, row: int) -> str:
    values = ledger.book.values_at(row) if row else None
    value = values[_VILLAGE_INDEX] if values and len(values) > _VILLAGE_INDEX else None
    return str(value).strip() if value is not None else ""


# ---- the sheet -----------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LINE_HEIGHT = 15.0          # points per line of 11-point 宋体


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a cell `width` characters wide (a Chinese character is two)."""
    return max(1, math.ceil(_text_width(text) / max(width - 1.5, 1)))


def notice_workbook(notice: Notice) -> Workbook:
    """The notice on one A4 portrait sheet, one page wide: title, table (title and header repeated on every page),
    the D2/D5 step being put up for comment, the period, where to object, the supervision phone and the signature."""
    wb = Workbook()
    ws = wb.active
    ws.title = "公示"
    columns = COLUMNS[notice.kind] + ((() if notice.one_period else ((PERIOD_HEADER, 14),)))
    last = len(columns)
    total_width = sum(w for _, w in columns)
    for index, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[chr(64 + index)].width = width

    put(ws, TITLE_ROW, 1, notice.title)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last)
    ws.cell(TITLE_ROW, 1).font = font(bold=True, size=16)
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[TITLE_ROW].height = 36

    for index, (header, _) in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, index, header)
        cell.font = font(bold=True)
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 22

    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    row = FIRST_ROW
    for r in notice.rows:
        values = (r.number, r.group, r.head_name, r.persons, r.masked_id, r.category, r.reason)
        if not notice.one_period:
            values += (f"{_day(r.start)}至{_day(r.end)}",)
        for index, value in enumerate(values, start=1):
            cell = put(ws, row, index, value if value != "" else None)
            cell.border = _BOX
            cell.alignment = left if COLUMNS[notice.kind][-1][0] == columns[index - 1][0] else centred
        lines = max(_lines(str(v or ""), w) for v, (_, w) in zip(values, columns))
        ws.row_dimensions[row].height = max(22.0, lines * _LINE_HEIGHT + 6)
        row += 1

    row += 1
    for text, style in ((notice.intro, None), (notice.objection, None), (notice.phone_line, None),
                        (None, None), (notice.signature, "right")):
        if text is not None:
            put(ws, row, 1, text)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
            ws.cell(row, 1).alignment = Alignment(horizontal=style or "left", vertical="center", wrap_text=True)
            ws.cell(row, 1).font = font(size=12)
            ws.row_dimensions[row].height = _lines(text, total_width / 1.1) * 17.0 + 6
        row += 1

    ws.print_area = f"A1:{chr(64 + last)}{row - 1}"
    a4(ws, landscape=False, title_rows=f"{TITLE_ROW}:{HEADER_ROW}", grid=False, numbered=False)   # a board notice
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    return wb
