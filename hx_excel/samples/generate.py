"""Seeded generator of fictional households, for tests, parity checks and benchmarks.

Every name, ID number and date is invented (ID numbers are built with `id_number.make_valid`, so they pass the
GB 11643 check but belong to nobody). Nothing here is policy: values come from the policy's value lists by their
semantics (labour.can_work, health.serious, disability.severe, school.out_of_school, house_grades.unsafe,
access_roads.poor, clue_channels.published, household_types.scope), and the thresholds from the policy's numbers.

- `generate_households(count, seed, policy, as_of)`: deterministic (`random.Random(seed)` only). Each household
  targets 0-3 grading clauses (R1-R7, Y1, Y2, G1-G4; about 15 % target none), with a good share of incomes exactly
  at, one yuan below and one yuan above `line × size` and `margin × line × size` (total income and income after
  rigid spending), children exactly at the compulsory-school boundary ages, and workflow dates (D1-D6) in plausible
  order most of the time, sometimes missing, and in about 15 % of households out of order or with a short notice.
- `household_strategy(policy, as_of)`: the same construction as a hypothesis strategy (hypothesis is imported
  only there: it is a test-only dependency).
- `scenario_households(policy, as_of)`: one small household per clause where exactly that clause holds, plus the
  per-head boundary cases (line − 1, line, line + 1) for a 1- and a 3-person household; labels are checked with
  `assess`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Callable

from hx_excel.core import id_number
from hx_excel.core.days import add_days, months_after
from hx_excel.core.models import Household
from hx_excel.policy import Policy

__all__ = ["generate_households", "household_strategy", "scenario_households", "GRADING_CLAUSE_IDS"]

GRADING_CLAUSE_IDS: tuple[str, ...] = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "Y1", "Y2", "G1", "G2", "G3", "G4")
_CARVABLE = ("R3", "R4", "R5", "R6")
_INCOME_CLAUSES = ("R1", "Y1", "G1")

_REGIONS = ("520111", "520111", "520111", "520403", "520181", "520114", "520421")
_SURNAMES = "杨罗陈王李张刘吴龙石潘赵黄周徐胡何宋韦班蒙罗田付"
_GIVEN = ("明华", "芬", "小雨", "国强", "丽", "建军", "秀英", "志刚", "桂兰", "文", "海燕", "德明", "春梅", "世清",
          "光荣", "玉珍", "家兴", "红", "永贵", "金花", "思远", "雨涵", "子轩", "佳怡", "天佑", "朝香", "正富", "应芬")
_TOWNSHIPS = {
    "青岩镇": ("龙井村", "歪脚村", "新楼村"), "石板镇": ("芦荻村", "摆门村", "隆昌村"), "党武镇": ("摆早村", "大坝村"),
    "高坡苗族乡": ("甲定村", "云顶村"), "久安乡": ("打通村", "拐耳村"), "麦坪镇": ("红星村", "新寨村"),
}
_GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组", "七组")

# The relations a generated household uses, with the relation's expected sex; the policy list must contain them.
_SPOUSE, _HEAD = "配偶", "户主"
_CHILD = {"男": "之子", "女": "之女"}
_CHILD_IN_LAW = {"男": "之女婿", "女": "之儿媳"}
_GRANDCHILD = {"男": "之孙子", "女": "之孙女"}
_PARENT = {"男": "之父", "女": "之母"}
_SIBLING = "之兄弟姐妹"
_OTHER = "其他"


def _split(entries, has: Callable[[Any], bool]) -> tuple[list[str], list[str]]:
    """The values of a policy value list without and with a meaning flag."""
    return [e.value for e in entries if not has(e)], [e.value for e in entries if has(e)]


class _Lists:
    """The policy's value lists split by their semantics, looked up once per policy."""

    def __init__(self, policy: Policy):
        lists = policy.lists
        self.policy = policy
        self.relations = {e.value: e.sex for e in lists.relations}
        self.cannot_work, self.can_work = _split(lists.labour, lambda e: e.can_work)
        self.healthy, self.serious = _split(lists.health, lambda e: e.serious)
        self.mild_disability, self.severe_disability = _split(lists.disability, lambda e: e.severe)
        self.in_school, self.out_of_school = _split(lists.school, lambda e: e.out_of_school)
        self.safe_house, self.unsafe_house = _split(lists.house_grades, lambda e: e.unsafe)
        self.good_road, self.poor_road = _split(lists.access_roads, lambda e: e.poor)
        self.unpublished_channels, self.published_channels = _split(lists.clue_channels, lambda e: e.published)
        self.other_types, self.s1_types = _split(lists.household_types, lambda e: e.scope == "S1")
        self.all_types = [e.value for e in lists.household_types]
        self.exit = {e.exit: e.value for e in lists.exit_statuses}
        self.risk_types = list(lists.risk_types)
        self.measure_categories = list(lists.measure_categories)
        self.measures_by_clause = {c: policy.measures_for(c) for c in GRADING_CLAUSE_IDS}
        self.school_min = policy.grading.compulsory_school_age_min
        self.school_max = policy.grading.compulsory_school_age_max
        self.elderly_age = policy.grading.elderly_age
        for needed in ("can_work", "cannot_work", "healthy", "serious", "severe_disability", "in_school",
                       "out_of_school", "safe_house", "unsafe_house", "good_road", "poor_road", "s1_types"):
            if not getattr(self, needed):
                raise ValueError(f"the policy's value lists give no value for {needed}: cannot generate households")

    def school_for_age(self, rng: random.Random, age: int) -> str | None:
        """A plausible in-school status for the age, by name when the default list has it."""
        preferred = ("学龄前儿童",) if age < 3 else ("学前教育",) if age < self.school_min else \
            ("小学",) if age < 12 else ("初中",) if age <= self.school_max else ("高中", "中职", "高职", "大专", "本科及以上")
        options = [v for v in preferred if v in self.in_school] or self.in_school
        return rng.choice(options)


def _pick(rng: random.Random, values: list[str], prefer: tuple[str, ...] = ()) -> str:
    preferred = [v for v in prefer if v in values]
    return rng.choice(preferred if preferred and rng.random() < 0.8 else values)


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _years_before(day: date, years: int, leap_fallback: tuple[int, int]) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return date(day.year - years, *leap_fallback)


def _birth_for_age(rng: random.Random, age: int, as_of: date) -> date:
    """A birth date that makes the person exactly `age` on `as_of`: sometimes the birthday is that very day, sometimes
    the next day (the last day of that age), otherwise any day of that year of life."""
    latest = _years_before(as_of, age, (2, 28))                              # birthday on as_of: just turned `age`
    earliest = _years_before(as_of + timedelta(days=1), age + 1, (3, 1))     # birthday tomorrow: still `age`
    roll = rng.random()
    if roll < 0.1:
        return latest
    if roll < 0.2:
        return earliest
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(_SURNAMES)) + rng.choice(_GIVEN)


# ---------------------------------------------------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------------------------------------------------


def _member_plan(rng: random.Random, size: int, head_age: int, head_sex: str) -> list[tuple[str, str, int]]:
    """(relation, sex, age) for each member, head first, ages 0-90 and plausible for the relation."""
    people = [(_HEAD, head_sex, head_age)]
    other = "女" if head_sex == "男" else "男"
    if size > 1 and head_age >= 20 and _chance(rng, 0.75):
        people.append((_SPOUSE, other, max(18, min(90, head_age + rng.randint(-6, 6)))))
    guard = 0
    while len(people) < size and guard < 50:
        guard += 1
        roll = rng.random()
        sex = rng.choice("男女")
        if roll < 0.55 and head_age >= 18:
            age = head_age - rng.randint(18, 38)
            if age >= 0:
                people.append((_CHILD[sex], sex, age))
        elif roll < 0.7 and head_age >= 40:
            age = head_age - rng.randint(40, 65)
            if age >= 0:
                people.append((_GRANDCHILD[sex], sex, age))
        elif roll < 0.82 and head_age <= 65:
            people.append((_PARENT[sex], sex, min(90, head_age + rng.randint(20, 35))))
        elif roll < 0.9 and head_age >= 40:
            people.append((_CHILD_IN_LAW[sex], sex, max(18, head_age - rng.randint(20, 35))))
        elif roll < 0.96:
            people.append((_SIBLING, sex, max(0, min(90, head_age + rng.randint(-12, 12)))))
        else:
            people.append((_OTHER, sex, rng.randint(0, 90)))
    while len(people) < size:  # very young heads: fill with siblings
        sex = rng.choice("男女")
        people.append((_SIBLING, sex, max(0, min(90, head_age + rng.randint(-5, 5)))))
    return people


def _id_for(rng: random.Random, region: str, birth: date, sex: str, used: set[str]) -> str:
    parity = 1 if sex == "男" else 0
    first = rng.randint(0, 499)
    # Twins share a birth date: take the next free sequence code of the right parity (hypothesis's randoms may
    # return the same draw again and again, so no retry loop).
    for step in range(500):
        number = id_number.make_valid(region, birth, (first + step) % 500 * 2 + parity)
        if number not in used:
            used.add(number)
            return number
    raise RuntimeError("more than 500 members of one sex born on one day")  # pragma: no cover


def _members(rng: random.Random, L: _Lists, as_of: date, size: int, targets: set[str]) -> tuple[list[dict], dict]:
    """Member rows, steering R4, R5 and R7 to hold exactly when targeted. Returns the rows and what was done."""
    lo, hi = L.school_min, L.school_max
    elderly = _chance(rng, 0.12)
    head_age = rng.randint(L.elderly_age, 90) if elderly else rng.randint(20, 85) if size > 1 else rng.randint(18, 90)
    if "R4" in targets and size > 1:
        head_age = rng.randint(max(30, lo + 18), 70)  # old enough to have a child of school age
    head_sex = "男" if _chance(rng, 0.72) else "女"
    people = [list(p) for p in _member_plan(rng, size, head_age, head_sex)]
    if elderly:
        for p in people:
            p[2] = max(p[2], L.elderly_age) if p[0] in (_SPOUSE, _SIBLING) else p[2]

    young = (*_CHILD.values(), *_GRANDCHILD.values())
    children = [i for i, p in enumerate(people) if i > 0 and p[0] in young]
    # Children exactly at the compulsory-school boundaries (5/6/15/16 with the default policy).
    if children and _chance(rng, 0.35):
        people[rng.choice(children)][2] = rng.choice((lo - 1, lo, hi, hi + 1))
    dropout_index = None
    if "R4" in targets and size > 1:
        if not children:
            children = [len(people) - 1]
            sex = people[-1][1]
            people[-1][0] = _CHILD[sex]
        dropout_index = rng.choice(children)
        people[dropout_index][2] = rng.choice((lo, hi)) if _chance(rng, 0.4) else rng.randint(lo, hi)

    region = rng.choice(_REGIONS)
    surname = rng.choice(_SURNAMES)
    used: set[str] = set()
    rows: list[dict] = []
    for index, (relation, sex, age) in enumerate(people):
        id_sex = sex if _chance(rng, 0.97) or index == 0 else ("女" if sex == "男" else "男")  # a few mismatches
        birth = _birth_for_age(rng, age, as_of)
        member_region = region if _chance(rng, 0.85) else rng.choice(_REGIONS)
        row: dict[str, Any] = {
            "name": _name(rng, surname if relation in (_HEAD, _SIBLING) or relation in _CHILD.values()
                          or relation in _GRANDCHILD.values() else None),
            "relation": relation if relation in L.relations else _OTHER,
            "id_number": _id_for(rng, member_region, birth, id_sex, used),
        }
        # labour by age
        if age < 16:
            row["labour"] = _pick(rng, L.cannot_work, ("无劳动力",))
        elif age >= 70:
            row["labour"] = _pick(rng, L.cannot_work + L.can_work, ("丧失劳动力", "弱劳动力或半劳动力"))
        else:
            row["labour"] = _pick(rng, L.can_work, ("普通劳动力", "技能劳动力")) if _chance(rng, 0.88) \
                else _pick(rng, L.cannot_work)
        # health and disability: serious/severe only where R5 is steered below, or insured
        roll = rng.random()
        row["health"] = _pick(rng, L.healthy, ("健康",)) if roll < 0.85 else \
            _pick(rng, L.healthy, ("长期慢性病", "残疾")) if roll < 0.95 else rng.choice(L.serious)
        if _chance(rng, 0.15):
            row["disability"] = rng.choice(L.severe_disability) if _chance(rng, 0.3) else \
                _pick(rng, L.mild_disability or L.severe_disability, ("无",))
        roll = rng.random()
        row["insured"] = True if roll < 0.88 else None if roll < 0.95 else False
        # school by age
        if age <= 22:
            if lo <= age <= hi or age < lo:
                row["school"] = L.school_for_age(rng, age) if index != dropout_index else None
            else:
                row["school"] = L.school_for_age(rng, age) if _chance(rng, 0.5) else _pick(rng, L.out_of_school, ("非在校生",))
            if age in (lo - 1, hi + 1) and _chance(rng, 0.5):  # out of school just outside the ages: not R4
                row["school"] = _pick(rng, L.out_of_school, ("非在校生", "辍学"))
            if age < lo and _chance(rng, 0.2):
                row["school"] = None
        elif _chance(rng, 0.6):
            row["school"] = _pick(rng, L.out_of_school, ("非在校生",))
        if row["labour"] in L.can_work and age >= 16:
            roll = rng.random()
            row["employed"] = True if roll < 0.6 else False if roll < 0.85 else None
        if _chance(rng, 0.03):
            row["labour"] = None  # not filled in
        rows.append(row)

    done: dict[str, Any] = {}
    # R4: a dropout of compulsory-school age, or (sometimes) only the clerk's typed summary says so.
    if dropout_index is not None:
        if _chance(rng, 0.12):
            done["R4_typed_only"] = True
            rows[dropout_index]["school"] = L.school_for_age(rng, people[dropout_index][2])
        else:
            rows[dropout_index]["school"] = _pick(rng, L.out_of_school, ("辍学",))
    elif "R4" in targets:
        done["R4_typed_only"] = True  # a one-person household: only the typed summary can say so
    # R5: serious illness or severe disability, and no insurance. Otherwise the seriously ill are insured or blank.
    if "R5" in targets:
        if _chance(rng, 0.12):
            done["R5_typed_only"] = True
        else:
            row = rng.choice(rows)
            if _chance(rng, 0.5):
                row["health"] = rng.choice(L.serious)
            else:
                row["disability"] = rng.choice(L.severe_disability)
            row["insured"] = False
    for row in rows:
        ill = row.get("health") in L.serious or row.get("disability") in L.severe_disability
        if ill and row["insured"] is False and "R5" not in targets:
            row["insured"] = True if _chance(rng, 0.8) else None
    # R7: nobody can work (and no 低保); otherwise at least one member can, or the household has 低保.
    if "R7" in targets:
        if _chance(rng, 0.1):
            done["R7_typed_only"] = True
        else:
            for row in rows:
                row["labour"] = _pick(rng, L.cannot_work)
                row.pop("employed", None)
    else:
        labours = [r["labour"] for r in rows]
        if labours and all(v in L.cannot_work for v in labours) and _chance(rng, 0.7):
            adults = [r for r, p in zip(rows, people) if p[2] >= 16] or rows
            rng.choice(adults)["labour"] = _pick(rng, L.can_work, ("弱劳动力或半劳动力",))
    # Exactly one head, normally.
    if _chance(rng, 0.02):
        if len(rows) > 1 and _chance(rng, 0.5):
            rows[1]["relation"] = _HEAD
        else:
            rows[0]["relation"] = _OTHER if _OTHER in L.relations else None
    if _chance(rng, 0.05):
        rng.shuffle(rows)  # the head need not be the first row
    return rows, done


def _typed(rng: random.Random, derived: bool, typed_only: bool, target: bool) -> bool | None:
    """The clerk's typed summary: mostly agrees with the members or is blank; contradictions never flip the clause."""
    if typed_only:
        return True
    roll = rng.random()
    if roll < 0.55:
        return derived
    if roll < 0.95:
        return None
    return False if derived else (None if not target else True)


# ---------------------------------------------------------------------------------------------------------------------
# Income
# ---------------------------------------------------------------------------------------------------------------------


def _split_rigid(rng: random.Random, total: float) -> tuple[float, float, float]:
    if total <= 0:
        return 0, 0, 0
    total_int = int(total)
    if total_int != total or total_int < 3 or _chance(rng, 0.4):
        which = rng.randint(0, 2)
        return tuple(total if i == which else 0 for i in range(3))  # type: ignore[return-value]
    a = rng.randint(0, total_int)
    b = rng.randint(0, total_int - a)
    return a, b, total_int - a - b


def _income(rng: random.Random, mode: str, line: float, size: int, margin: float) -> tuple[float, float]:
    """(income, rigid) for a mode; about half the time exactly at a boundary (total or after rigid spending)."""
    base = line * size                 # as grading compares: income < line × size
    high = margin * line * size        # as grading compares: income − rigid ≥ margin × line × size
    B, M = int(base), int(high)
    boundary = _chance(rng, 0.55)
    if mode == "R1":
        if boundary:
            return rng.choice([
                (base - 1, 0), (base - 1, rng.randint(0, B // 3)), ((line - 1) * size, 0), (base - 0.01, 0)])
        return rng.randint(0, B - 2), (rng.randint(0, B // 4) if _chance(rng, 0.5) else 0)
    if mode == "Y1":
        if boundary:
            return rng.choice([
                (base, rng.randint(1, B // 2)), (base, 1), (base + 1, 2), (high, high - base + 1),
                (high + 1, high + 2 - base), (base + rng.randint(0, B), None)])  # None: after = base − 1
        income = base + rng.randint(0, B)
        return income, income - base + rng.randint(1, max(1, B // 2))
    if mode == "G1":
        after = rng.choice([high, high + 1, high + rng.randint(2, M)]) if boundary else high + rng.randint(0, 2 * M)
        rigid = rng.choice([0, 0, rng.randint(1, B)])
        return after + rigid, rigid
    # "free": no income clause (income ≥ line × size and after rigid spending ≥ line × size); any margin.
    if boundary:
        after = rng.choice([base, base + 1, high - 1, high, high + 1])
    else:
        after = base + rng.randint(0, 2 * M)
    rigid = 0 if _chance(rng, 0.5) else rng.randint(1, B)
    return after + rigid, rigid


# ---------------------------------------------------------------------------------------------------------------------
# Workflow dates (C1, D1-D6)
# ---------------------------------------------------------------------------------------------------------------------

_D2_KEYS = ("household_check_on", "application_on", "notice_start_on", "notice_end_on", "township_review_on",
            "district_approval_on", "entered_on")
_D5_KEYS = ("elimination_nominated_on", "elimination_check_on", "elimination_notice_start_on",
            "elimination_notice_end_on", "elimination_township_review_on", "elimination_county_approval_on",
            "eliminated_on")


def _notice_end(start: date, days: int, mode: str) -> date:
    """The day on which a notice posted on `start` has run its full `days` days, `start` counted (in working days a
    notice posted on a weekend starts counting on the next working day)."""
    return add_days(start - timedelta(days=1), days, mode)  # type: ignore[arg-type]


def _workflow(rng: random.Random, L: _Lists, as_of: date, data: dict, grade_hint: str, defect: bool) -> None:
    """Fill the workflow dates in place: plausible order mostly, sometimes missing, sometimes (defect) wrong."""
    policy = L.policy
    d, mode = policy.deadlines, policy.deadlines.day_mode
    if defect:
        stage = rng.choice(("identifying", "monitored", "monitored", "eliminating"))
    else:
        weights = {
            "red": (0.08, 0.17, 0.25, 0.40, 0.10, 0.0),
            "yellow": (0.08, 0.17, 0.25, 0.40, 0.10, 0.0),
            "green": (0.25, 0.20, 0.05, 0.05, 0.0, 0.45),
            "none": (0.50, 0.10, 0.0, 0.10, 0.15, 0.15),
        }[grade_hint]
        stage = rng.choices(("none", "clue", "identifying", "monitored", "eliminating", "ledger"), weights)[0]
    if stage == "none":
        return

    span = 540  # about 18 months
    if stage == "eliminating":
        start = as_of - timedelta(days=rng.randint(250, span))
    elif defect:
        start = as_of - timedelta(days=rng.randint(45, span))
    elif _chance(rng, 0.12):
        start = as_of - timedelta(days=rng.randint(0, 8))  # recent: D1/D3 not yet due, or due soon
    else:
        start = as_of - timedelta(days=rng.randint(0, span))

    def after(day: date, lo: int, hi: int) -> date:
        return day + timedelta(days=rng.randint(lo, hi))

    def cut(chain: tuple[str, ...], notice_end: str) -> None:
        """Nothing recorded as done after as_of: cut the chain at its first future date. A notice posted before
        as_of keeps its scheduled end date now and then."""
        cutting = False
        for key in chain:
            day = dates.get(key)
            if day is None:
                continue
            if cutting or day > as_of:
                keep = not cutting and key == notice_end and _chance(rng, 0.3)
                cutting = True
                if not keep:
                    dates[key] = None

    dates: dict[str, date | None] = {}
    channel = rng.choice(L.published_channels) if L.published_channels and _chance(rng, 0.25) \
        else rng.choice(L.unpublished_channels or L.published_channels)
    data["clue_channel"] = channel
    clue_start = start
    if channel in L.published_channels:
        published = start - timedelta(days=rng.randint(0, 3))
        if _chance(rng, 0.85):
            dates["clue_published_on"] = published
            clue_start = published
    dates["clue_on"] = start
    late = _chance(rng, 0.08)
    dates["household_check_on"] = after(clue_start, d.household_check_days + 1, d.household_check_days + 10) \
        if late else after(clue_start, 0, d.household_check_days)

    # D2: the identification chain.
    if stage in ("identifying", "monitored", "eliminating"):
        dates["application_on"] = after(dates["household_check_on"], 0, 5)
        dates["notice_start_on"] = after(dates["application_on"], 0, 4)
        dates["notice_end_on"] = _notice_end(dates["notice_start_on"], d.public_notice_days, mode) + \
            timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        dates["township_review_on"] = after(dates["notice_end_on"], 1, 6)
        dates["district_approval_on"] = after(dates["township_review_on"], 1, 10)
        dates["entered_on"] = after(dates["district_approval_on"], 0, 5)
        if stage == "identifying":  # stop somewhere along the chain
            for key in _D2_KEYS[rng.randint(1, len(_D2_KEYS) - 1):]:
                dates[key] = None
    cut(_D2_KEYS, "notice_end_on")
    check, entered = dates.get("household_check_on"), dates.get("entered_on")

    # D3: contact and measures.
    if entered:
        due_days = d.contact_and_measures_days
        roll = rng.random()
        if roll < 0.85:
            data["contact_name"] = _name(rng) + rng.choice(("（村干部）", "（乡镇干部）", "（驻村工作队）"))
            if roll < 0.75:
                dates["contact_assigned_on"] = after(entered, 0, due_days) if _chance(rng, 0.9) \
                    else after(entered, due_days + 1, due_days + 15)
        if _chance(rng, 0.88):
            clauses = [c for c in data["_clauses"] if L.measures_by_clause.get(c)] or ["R1"]
            measures = []
            for _ in range(rng.randint(1, 3)):
                rules = L.measures_by_clause.get(rng.choice(clauses)) or ()
                rule = rng.choice(rules) if rules else None
                decided = after(entered, 0, due_days) if _chance(rng, 0.9) else after(entered, due_days + 1, 25)
                measure: dict[str, Any] = {
                    "category": rule.category if rule else rng.choice(L.measure_categories),
                    "text": rule.text if rule else "",
                }
                if decided <= as_of and _chance(rng, 0.9):
                    measure["decided_on"] = decided.isoformat()
                if _chance(rng, 0.4):  # may be a planned date after as_of
                    measure["completed_on"] = after(decided, 10, 200).isoformat()
                measures.append(measure)
            data["measures"] = measures

    # D4 / D6: the monthly visit and review.
    def monthly(anchor: date) -> date | None:
        roll = rng.random()
        month_start = as_of.replace(day=1)
        if roll < 0.6:
            low = max(anchor, month_start)
        elif roll < 0.85:
            low = max(anchor, (month_start - timedelta(days=1)).replace(day=1))
        elif roll < 0.95:
            low = max(anchor, as_of - timedelta(days=200))
        else:
            return None
        return low + timedelta(days=rng.randint(0, (as_of - low).days)) if low <= as_of else None

    if stage in ("monitored", "eliminating") and entered:
        dates["last_visit_on"] = monthly(entered)
        dates["last_review_on"] = monthly(entered)
    elif stage == "ledger" and check:
        dates["last_visit_on"] = monthly(check)

    # D5: risk elimination.
    if stage == "eliminating" and entered:
        stable = after(entered, 0, 60)
        dates["income_stable_since"] = stable
        dates["elimination_nominated_on"] = after(months_after(stable, d.stable_income_months), 0, 30)
        dates["elimination_check_on"] = after(dates["elimination_nominated_on"], 0, 7)
        dates["elimination_notice_start_on"] = after(dates["elimination_check_on"], 0, 5)
        dates["elimination_notice_end_on"] = _notice_end(
            dates["elimination_notice_start_on"], d.elimination_notice_days, mode
        ) + timedelta(days=rng.choice((0, 0, 1)))
        dates["elimination_township_review_on"] = after(dates["elimination_notice_end_on"], 1, 7)
        dates["elimination_county_approval_on"] = after(dates["elimination_township_review_on"], 1, 10)
        dates["eliminated_on"] = after(dates["elimination_county_approval_on"], 0, 5)
        cut(_D5_KEYS, "elimination_notice_end_on")
    elif stage == "monitored" and entered and _chance(rng, 0.4):
        dates["income_stable_since"] = after(entered, 0, 90)
    if stage == "ledger" and check and grade_hint == "none" and _chance(rng, 0.7):
        dates["closed_on"] = after(check, 30, 300)
    for key in ("contact_assigned_on", "closed_on", "income_stable_since"):
        if dates.get(key) and dates[key] > as_of:
            dates[key] = None

    # Missing dates: the clerk did not type one of them.
    if _chance(rng, 0.1):
        present = [k for k in (*_D2_KEYS[1:-1], "contact_assigned_on", "last_review_on") if dates.get(k)]
        if present:
            dates[rng.choice(present)] = None

    if defect:
        _defect(rng, dates, d.public_notice_days, d.stable_income_months)

    if dates.get("eliminated_on"):
        data["exit_status"] = L.exit.get("eliminated")
    elif dates.get("closed_on"):
        data["exit_status"] = L.exit.get("closed")
    elif stage in ("monitored", "eliminating", "ledger") and _chance(rng, 0.6):
        data["exit_status"] = L.exit.get("")
    for key, day in dates.items():
        if day is not None:
            data[key] = day.isoformat()


def _defect(rng: random.Random, dates: dict[str, date | None], notice_days: int, stable_months: int) -> None:
    """Make one thing wrong that plan() must report: steps out of order, a short or reversed notice, a review
    inside the notice, or an elimination nominated before income was stable long enough."""
    kinds = []
    d2 = [k for k in _D2_KEYS if dates.get(k)]
    pairs = [(a, b) for a, b in zip(d2, d2[1:]) if dates[a] != dates[b]]
    if pairs:
        kinds.append("swap")
    if dates.get("notice_start_on"):
        kinds += ["short", "short", "reversed"]
        if dates.get("township_review_on"):
            kinds.append("review_early")
    if dates.get("elimination_nominated_on") and dates.get("income_stable_since"):
        kinds.append("nominated_early")
    if not kinds:  # nothing to break yet: an application dated before the household check (or the clue)
        dates["application_on"] = (dates.get("household_check_on") or dates["clue_on"]) - timedelta(days=rng.randint(1, 5))
        if not dates.get("household_check_on"):
            dates["household_check_on"] = dates["clue_on"]
        return
    kind = rng.choice(kinds)
    if kind == "swap":
        a, b = rng.choice(pairs)
        dates[a], dates[b] = dates[b], dates[a]
    elif kind == "short":
        start = dates["notice_start_on"]
        dates["notice_end_on"] = start + timedelta(days=rng.randint(0, max(0, notice_days - 2)))
    elif kind == "reversed":
        dates["notice_end_on"] = dates["notice_start_on"] - timedelta(days=rng.randint(1, 3))
    elif kind == "review_early":
        dates["township_review_on"] = dates.get("notice_end_on") or dates["notice_start_on"]
    else:
        earliest = months_after(dates["income_stable_since"], stable_months)
        dates["elimination_nominated_on"] = earliest - timedelta(days=rng.randint(1, 60))


# ---------------------------------------------------------------------------------------------------------------------
# One household
# ---------------------------------------------------------------------------------------------------------------------


def _targets(rng: random.Random) -> set[str]:
    """The grading clauses this household is built to trigger (0-3 of them; about 15 % none)."""
    k = rng.choices((0, 1, 2, 3), (0.15, 0.40, 0.30, 0.15))[0]
    chosen = rng.sample(GRADING_CLAUSE_IDS, k)
    income = [c for c in chosen if c in _INCOME_CLAUSES]
    targets = {c for c in chosen if c not in _INCOME_CLAUSES} | set(income[:1])
    if "G1" in targets:
        targets -= set(_CARVABLE)  # those gaps become G1's, graded green
    return targets


def _household_data(rng: random.Random, L: _Lists, as_of: date, year: int, index: int) -> dict[str, Any]:
    """One household as raw data (what a clerk would type), built to trigger a chosen set of clauses."""
    policy = L.policy
    targets = _targets(rng)
    line = policy.income_line(year)
    margin = policy.grading.g1_margin_multiple
    size = rng.choices((1, 2, 3, 4, 5, 6), (0.14, 0.2, 0.22, 0.22, 0.14, 0.08))[0]

    township = rng.choice(list(_TOWNSHIPS))
    data: dict[str, Any] = {
        "household_id": f"SIM-{index:06d}",
        "township": township,
        "village": rng.choice(_TOWNSHIPS[township]),
        "group": rng.choice(_GROUPS),
        "year": year if as_of.year != year or _chance(rng, 0.9) else None,
    }
    # G4 names only S1 households; otherwise any type (files_incomplete on a non-S1 household is no G4).
    data["household_type"] = rng.choice(L.s1_types) if "G4" in targets or _chance(rng, 0.4) else \
        rng.choice(L.other_types or L.all_types) if _chance(rng, 0.92) else None
    if "G4" not in targets and data["household_type"] in L.s1_types:
        data["files_incomplete"] = data["low_policy_awareness"] = False
    elif "G4" in targets:
        flag = rng.choice(("files_incomplete", "low_policy_awareness", "both"))
        data["files_incomplete"] = flag in ("files_incomplete", "both")
        data["low_policy_awareness"] = flag in ("low_policy_awareness", "both")
    else:
        data["files_incomplete"] = _chance(rng, 0.2)
        data["low_policy_awareness"] = _chance(rng, 0.1)

    # The 三保障/water gaps: red clauses targeted, or (G1) gaps the household can fix itself.
    gaps = set(targets & set(_CARVABLE))
    if "G1" in targets:
        gaps = set(rng.sample(_CARVABLE, rng.choice((1, 1, 1, 2))))
    if "R4" in gaps and size == 1 and _chance(rng, 0.85):
        size = rng.randint(2, 6)
    members, done = _members(rng, L, as_of, size, targets | gaps)
    data["members"] = members
    roll = rng.random()
    data["household_size"] = size if roll < 0.75 else None if roll < 0.97 else size + rng.choice((-1, 1)) or 2

    # Income: R1, Y1, G1 or none of them.
    mode = next((c for c in _INCOME_CLAUSES if c in targets), "free")
    if mode == "free" and _chance(rng, 0.02):
        data["annual_net_income"] = None
        income = rigid = None
    else:
        income, rigid = _income(rng, mode, line, size, margin)
        if rigid is None:  # Y1: after rigid spending one yuan below line × size
            rigid = income - line * size + 1
        data["annual_net_income"] = income
        school, medical, other = _split_rigid(rng, rigid)
        data["rigid_spending_school"], data["rigid_spending_medical"], data["rigid_spending_other"] = \
            school, medical, other

    # R2 R3 R6.
    data["food_clothing_secured"] = False if "R2" in targets else rng.choice((True, True, True, None))
    data["water_secured"] = False if "R3" in gaps else rng.choice((True, True, True, None))
    house = rng.choice(L.unsafe_house) if "R6" in gaps else rng.choice(L.safe_house) if _chance(rng, 0.85) else None
    if house and _chance(rng, 0.1):
        house = house.lower() + "级"  # typed the way clerks do: normalised by the model
    data["house_grade"] = house
    data["has_dibao"] = False if "R7" in targets else _chance(rng, 0.15)
    if "R7" not in targets and done.get("R7_typed_only") is None:
        labours = [m.get("labour") for m in members]
        if labours and all(v in L.cannot_work for v in labours):
            data["has_dibao"] = True  # nobody can work, but 低保 covers them: no R7

    # Typed summaries of member facts (R4 R5 R7).
    lo, hi = L.school_min, L.school_max
    ages = {}
    for i, m in enumerate(members):
        ages[i] = id_number.age_on(m["id_number"], as_of)
    dropout = any(m.get("school") in L.out_of_school and lo <= ages[i] <= hi for i, m in enumerate(members))
    uninsured_ill = any(m.get("insured") is False and (m.get("health") in L.serious
                                                       or m.get("disability") in L.severe_disability) for m in members)
    labours = [m.get("labour") for m in members]
    nobody = bool(labours) and None not in labours and all(v in L.cannot_work for v in labours)
    data["reported_dropout"] = _typed(rng, dropout, bool(done.get("R4_typed_only")), "R4" in targets or "R4" in gaps)
    data["reported_uninsured_ill"] = _typed(rng, uninsured_ill, bool(done.get("R5_typed_only")),
                                            "R5" in targets or "R5" in gaps)
    data["reported_no_labour"] = _typed(rng, nobody, bool(done.get("R7_typed_only")), "R7" in targets)
    if "R7" not in targets and data["reported_no_labour"] and not data["has_dibao"]:
        data["reported_no_labour"] = None

    # G1 carve-out: self-resolvable gaps with income clearly above. Gaps without G1 must not be self-resolvable
    # when the income is clearly above (else they would be G1).
    clearly_above = income is not None and income - rigid >= margin * line * size
    if "G1" in targets:
        data["can_self_resolve"] = True
    elif gaps and clearly_above:
        data["can_self_resolve"] = False
    else:
        data["can_self_resolve"] = _chance(rng, 0.3)

    data["sharp_income_fall"] = "Y2" in targets
    if "G2" in targets:
        which = rng.choice(("hygiene", "road", "toilet", "all"))
        data["poor_hygiene"] = which in ("hygiene", "all")
        data["access_road"] = rng.choice(L.poor_road) if which in ("road", "all") else rng.choice(L.good_road)
        data["sanitary_toilet"] = False if which in ("toilet", "all") else rng.choice((True, None))
    else:
        data["poor_hygiene"] = False
        data["access_road"] = rng.choice(L.good_road) if _chance(rng, 0.85) else None
        data["sanitary_toilet"] = rng.choice((True, True, None))
    data["subsidies_undelivered"] = "G3" in targets
    data["risk_types"] = rng.sample(L.risk_types, rng.choices((0, 1, 2, 3), (0.4, 0.35, 0.2, 0.05))[0])

    grade_hint = "red" if any(c.startswith("R") for c in targets) else "yellow" if {"Y1", "Y2"} & targets \
        else "green" if targets else "none"
    data["_clauses"] = sorted(targets) or ["R1"]
    _workflow(rng, L, as_of, data, grade_hint, defect=_chance(rng, 0.15))
    data.pop("_clauses", None)
    if _chance(rng, 0.05):
        data["note"] = rng.choice(("户主外出务工", "已电话回访", "待补充材料", "子女在外地就学"))
    return data


def _lists_for(policy: Policy) -> _Lists:
    return _Lists(policy)


def _build(rng: random.Random, L: _Lists, as_of: date, year: int, index: int) -> Household:
    return Household.parse(_household_data(rng, L, as_of, year, index), L.policy)


def generate_households(count: int, seed: int, policy: Policy, as_of: date, *, year: int = 2022) -> list[Household]:
    """`count` fictional households, the same for the same arguments (only `random.Random(seed)` is used).

    Grading facts are judged with `policy` (its line for `year`, its G1 margin, its school ages and value lists);
    ages and workflow dates are relative to `as_of`.
    """
    if count < 0:
        raise ValueError("count must be ≥ 0")
    rng = random.Random(seed)
    L = _lists_for(policy)
    policy.income_line(year)  # fail early, with the policy's own message, if the year has no line
    return [_build(rng, L, as_of, year, i + 1) for i in range(count)]


def household_strategy(policy: Policy, as_of: date, *, year: int = 2022):
    """A hypothesis strategy of Households built exactly as `generate_households` builds them.

    The randomness comes from `st.randoms(use_true_random=False)`, so hypothesis can replay and shrink.
    """
    from hypothesis import strategies as st

    L = _lists_for(policy)
    policy.income_line(year)

    @st.composite
    def households(draw: Callable[..., Any]) -> Household:
        rng = draw(st.randoms(use_true_random=False))
        index = draw(st.integers(min_value=1, max_value=999_999))
        return _build(rng, L, as_of, year, index)

    return households()


# ---------------------------------------------------------------------------------------------------------------------
# Named scenarios
# ---------------------------------------------------------------------------------------------------------------------


def _scenario_base(L: _Lists, as_of: date, year: int, size: int, per_head: float, label: str) -> dict[str, Any]:
    """A household with no clause at all: an S1 family, everything secured, everybody insured and able to work,
    income `per_head` a head and no rigid spending."""
    lo = L.school_min
    head_birth = _years_before(as_of, 45, (2, 28)) - timedelta(days=100)
    people = [(_HEAD, "男", head_birth), (_SPOUSE, "女", head_birth + timedelta(days=400)),
              (_CHILD["女"], "女", _years_before(as_of, lo + 3, (2, 28)) - timedelta(days=30)),
              (_CHILD["男"], "男", _years_before(as_of, 19, (2, 28)) - timedelta(days=60)),
              (_PARENT["女"], "女", _years_before(as_of, 72, (2, 28)) - timedelta(days=10)),
              (_PARENT["男"], "男", _years_before(as_of, 75, (2, 28)) - timedelta(days=10))][:size]
    members = []
    for i, (relation, sex, birth) in enumerate(people):
        age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
        member: dict[str, Any] = {
            "name": f"示例{label}{i + 1}", "relation": relation,
            "id_number": id_number.make_valid("520111", birth, 100 + 2 * i + (1 if sex == "男" else 0)),
            "labour": _pick_first(L.can_work, "普通劳动力") if 16 <= age < 70 else _pick_first(L.cannot_work, "无劳动力"),
            "health": _pick_first(L.healthy, "健康"), "insured": True,
        }
        if age <= 22:
            member["school"] = _pick_first(L.in_school, "小学" if age <= 12 else "本科及以上")
        if 16 <= age < 70:
            member["employed"] = True
        members.append(member)
    return {
        "household_id": f"SCN-{label}", "township": "青岩镇", "village": "龙井村", "group": "一组",
        "household_type": L.s1_types[0], "year": year, "household_size": size, "members": members,
        "annual_net_income": per_head * size, "food_clothing_secured": True, "water_secured": True,
        "house_grade": L.safe_house[0], "has_dibao": False, "access_road": L.good_road[0], "sanitary_toilet": True,
    }


def _pick_first(values: list[str], preferred: str) -> str:
    return preferred if preferred in values else values[0]


def scenario_households(policy: Policy, as_of: date, *, year: int = 2022) -> list[tuple[str, Household]]:
    """One household per grading clause (label = clause id) where exactly that clause holds, then the per-head
    boundary cases `line − 1`, `line`, `line + 1` for a 1- and a 3-person household (labels like "1p-6699";
    only `line − 1` a head is R1). Every label is checked with `assess`."""
    from hx_excel.core.grading import assess

    L = _lists_for(policy)
    line = policy.income_line(year)
    margin = policy.grading.g1_margin_multiple
    comfortable = line * (1 + margin) / 2  # above the line, not clearly above (no G1 however the gaps are)

    def base(label: str, size: int = 3, per_head: float = comfortable) -> dict[str, Any]:
        return _scenario_base(L, as_of, year, size, per_head, label)

    def r4(h: dict) -> None:
        h["members"][2]["school"] = _pick_first(L.out_of_school, "辍学")

    def r5(h: dict) -> None:
        h["members"][1]["health"] = L.serious[0]
        h["members"][1]["insured"] = False

    def r7(h: dict) -> None:
        for m in h["members"]:
            m["labour"] = _pick_first(L.cannot_work, "丧失劳动力")
            m.pop("employed", None)

    def y1(h: dict) -> None:
        h["annual_net_income"] = line * 3
        h["rigid_spending_medical"] = 1

    def g1(h: dict) -> None:
        h["annual_net_income"] = margin * line * 3 + 2000
        h["rigid_spending_school"] = 2000
        h["water_secured"] = False
        h["can_self_resolve"] = True

    changes: dict[str, Callable[[dict], None]] = {
        "R1": lambda h: h.update(annual_net_income=line * 3 - 1),
        "R2": lambda h: h.update(food_clothing_secured=False),
        "R3": lambda h: h.update(water_secured=False, can_self_resolve=True),
        "R4": r4,
        "R5": r5,
        "R6": lambda h: h.update(house_grade=L.unsafe_house[0]),
        "R7": r7,
        "Y1": y1,
        "Y2": lambda h: h.update(sharp_income_fall=True),
        "G1": g1,
        "G2": lambda h: h.update(access_road=L.poor_road[0]),
        "G3": lambda h: h.update(subsidies_undelivered=True),
        "G4": lambda h: h.update(files_incomplete=True),
    }
    scenarios: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    for clause, change in changes.items():
        data = base(clause)
        change(data)
        scenarios.append((clause, data, (clause,)))
    for size in (1, 3):
        for per_head in (line - 1, line, line + 1):
            label = f"{size}p-{per_head:g}"
            scenarios.append((label, base(label, size, per_head), ("R1",) if per_head < line else ()))

    result = []
    for label, data, expected in scenarios:
        household = Household.parse(data, policy)
        got = assess(household, policy, as_of).clause_ids
        if got != expected:
            raise AssertionError(f"scenario {label}: assess gives {got}, expected {expected}")
        result.append((label, household))
    return result
