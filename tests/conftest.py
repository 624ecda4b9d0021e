"""Shared fixtures and builders: households are built from a few facts, everything else neutral (grade 无)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.core.models import Household
from hx_excel.policy import Policy, default_policy

AS_OF = date(2022, 7, 15)
_sequence = count(11)


@pytest.fixture
def policy() -> Policy:
    return default_policy()


def person(name: str = "成员", relation: str = "户主", born: date = date(1980, 5, 5), sex: str = "男", **facts) -> dict:
    """A member dict with a valid ID number of the given birth date and sex; able to work and insured by default."""
    seq = next(_sequence) % 900 + 10
    seq = seq if (seq % 2 == 1) == (sex == "男") else seq + 1
    facts.setdefault("labour", "普通劳动力")
    facts.setdefault("insured", True)
    return dict(name=name, relation=relation, id_number=make_valid("520111", born, seq), **facts)


def household(members: list[dict] | None = None, **facts) -> Household:
    """A household with all 两不愁三保障 facts secured and income well above the line, overridden by `facts`."""
    data = dict(
        household_id="T-1", household_type="脱贫户", year=2022,
        annual_net_income=100_000, food_clothing_secured=True, water_secured=True, house_grade="A",
        sanitary_toilet=True, access_road="硬化路",
        members=members if members is not None else [person("户主甲"), person("配偶乙", "配偶", sex="女")],
    )
    data.update(facts)
    return Household.parse(data, default_policy())


def size_income(per_head: float, size: int) -> dict:
    """Members and income for `size` people at exactly `per_head` yuan each."""
    members = [person("户主")] + [person(f"成员{i}", "之子") for i in range(1, size)]
    return dict(members=members, annual_net_income=per_head * size)


@dataclass
class Run:
    """A command-line run as the bad-input tests see it: its exit code and what it printed."""
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err
