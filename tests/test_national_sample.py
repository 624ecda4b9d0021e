"""The fictional national export shipped with the samples (hx_excel/samples/国家系统导出-样例.xlsx and .xls): committed
as hx_excel.samples.national makes it, read the same from .xls as from .xlsx, and imported back into the very facts
it was written from — every fact the export carries, household by household."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.policy import default_policy
from hx_excel.roster import read_roster
from hx_excel.samples.national import SAMPLE_NAME, export_rows, sample_export_households

SAMPLES = Path(__file__).parents[1] / "hx_excel" / "samples"


@pytest.fixture(scope="module")
def settings():
    return DistrictSettings(townships=[t for t in default_townships() if t.name in ("青岩镇", "石板镇")], rows=20)


def _plain(value):
    return value.date() if isinstance(value, datetime) else value


def test_the_committed_export_is_what_the_samples_make():
    """Regenerate with `python scripts/build_national_sample.py`."""
    ws = openpyxl.load_workbook(SAMPLES / f"{SAMPLE_NAME}.xlsx").active
    committed = [[_plain(v) for v in row] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert committed == export_rows(sample_export_households(default_policy()))
    assert ws["A1"].value.startswith("全国防返贫监测信息系统")


def test_the_xls_reads_as_the_xlsx(settings):
    policy = default_policy()
    xlsx = read_roster(SAMPLES / f"{SAMPLE_NAME}.xlsx", settings, policy)
    xls = read_roster(SAMPLES / f"{SAMPLE_NAME}.xls", settings, policy)
    assert [h.household for h in xls.households] == [h.household for h in xlsx.households]
    assert [str(p) for p in xls.problems] == [str(p).replace(".xlsx", ".xls") for p in xlsx.problems]


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_every_fact_the_export_carries_comes_back(settings, kind):
    policy = default_policy()
    originals = {h.household_id: h for h in sample_export_households(policy)}
    roster = read_roster(SAMPLES / f"{SAMPLE_NAME}.{kind}", settings, policy)
    assert not roster.problems
    assert sorted(h.household_id for h in roster.households) == sorted(originals)
    for item in roster.households:
        got, was = item.household, originals[item.household_id]
        assert item.township == was.township
        # 人均纯收入 (rounded to fen) × 人数: the household's income within a fen a head
        assert abs(got.annual_net_income - was.annual_net_income) <= 0.01 * len(was.members)
        assert (got.village, got.group, got.household_type) == (was.village, was.group, was.household_type)
        assert got.water_secured == was.water_secured
        assert got.house_grade == ("危房（待鉴定）" if was.house_grade in ("C", "D") else "非危房")
        assert got.risk_types[:1] == was.risk_types[:1]
        if was.household_type in ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户"):
            assert got.entered_on == was.entered_on and got.eliminated_on == was.eliminated_on
            assert got.exit_status == ("是（风险消除）" if (was.exit_status or "").startswith("是") else "否")
        for g, w in zip(got.members, was.members, strict=True):
            assert (g.name, g.relation, g.id_number, g.health, g.labour) == (w.name, w.relation, w.id_number,
                                                                             w.health, w.labour)
            assert g.school == w.school and g.insured == w.insured and g.employed == w.employed
