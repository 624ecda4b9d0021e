"""Built-in fictional sample households (`households.json`): names and ID numbers are invented."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from hx_excel.core.models import Household
from hx_excel.policy import Policy, default_policy


def sample_households(policy: Policy | None = None) -> tuple[date, list[Household]]:
    """The samples' as-of date and households, validated against `policy`."""
    data = json.loads(resources.files(__package__).joinpath("households.json").read_text(encoding="utf-8"))
    households = [Household.parse(h, policy or default_policy()) for h in data["households"]]
    return date.fromisoformat(data["as_of"]), households
