"""Properties of the rulebook over generated households (hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hx_excel.core.grading import assess
from hx_excel.core.workflow import plan
from hx_excel.policy import default_policy
from hx_excel.samples.generate import household_strategy

POLICY = default_policy()
AS_OF = date(2022, 7, 15)
RANK = {"无": 0, "绿": 1, "黄": 2, "红": 3}
households = household_strategy(POLICY, AS_OF)
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

RED_FACTS = {  # one red fact each, set on an otherwise unchanged household
    "R2": {"food_clothing_secured": False},
    "R3": {"water_secured": False},
    "R4": {"reported_dropout": True},
    "R5": {"reported_uninsured_ill": True},
    "R6": {"house_grade": "D"},
}


@SETTINGS
@given(households, st.sampled_from(sorted(RED_FACTS)))
def test_adding_a_red_fact_never_lowers_the_grade(h, clause):
    """A household 待补充 stays so, or turns red — or green, when G1 carves the new fact's clause out (policy.md:
    R3–R6 are green when the household can fix the gap itself and its income after rigid spending is clearly above
    the line); any other grade never falls."""
    worse = h.model_copy(update=RED_FACTS[clause])
    worse_assessed = assess(worse, POLICY, AS_OF)
    before, after = assess(h, POLICY, AS_OF).grade, worse_assessed.grade
    if clause == "R2":  # 两不愁 is never carved out (policy.md), whatever else is missing
        assert after == "红"
    elif before == "待补充":
        assert after in ("待补充", "红") or (after == "绿" and clause in worse_assessed.carved_out)
    else:
        assert RANK[after] >= RANK[before]


@SETTINGS
@given(households, st.integers(min_value=1, max_value=200_000))
def test_raising_income_never_raises_the_grade(h, extra):
    if h.annual_net_income is None:
        return
    richer = h.model_copy(update={"annual_net_income": h.annual_net_income + extra})
    before, after = assess(h, POLICY, AS_OF).grade, assess(richer, POLICY, AS_OF).grade
    if "待补充" in (before, after):
        assert before == after or before == "红"   # income changes no missing fact; only a red may fall to 待补充
    else:
        assert RANK[after] <= RANK[before]


@SETTINGS
@given(households)
def test_results_are_deterministic(h):
    assert assess(h, POLICY, AS_OF) == assess(h.model_copy(deep=True), POLICY, AS_OF)
    assert plan(h, POLICY, AS_OF) == plan(h, POLICY, AS_OF)


@SETTINGS
@given(households)
def test_every_clause_reported_and_grade_is_the_highest(h):
    a = assess(h, POLICY, AS_OF)
    grades = {c.grade for c in a.clauses}
    highest = max(grades, key=RANK.get) if grades else "无"
    certain = any(c in ("R1", "R2", "R7") for c in a.clause_ids)
    assert a.grade == ("待补充" if a.missing and not certain else highest)
    assert not set(a.carved_out) & set(a.clause_ids)
    assert set(a.carved_out) <= {"R3", "R4", "R5", "R6"}
