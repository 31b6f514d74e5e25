"""A small synthetic county built directly through the models, for the sampling and grading tests.

``build_county(engine, households=120)``: county 422822 with townships 城关镇 (½ of the households), 河口乡 (⅓) and
高山乡 (the rest), two villages each, household numbers 4228220000{i:04d} (not in frame order: numbers are handed out
round-robin over the villages), household types cycling 一般贫困户 / 低保贫困户 / 五保户 (an alias of 五保贫困户).
No personal data beyond made-up household numbers.
"""

from __future__ import annotations

from sqlalchemy import insert

from fupin_tui.models import County, Household, Township, Village, session_scope

COUNTY = "422822"
TOWNSHIPS = ("城关镇", "河口乡", "高山乡")
TYPES = ("一般贫困户", "低保贫困户", "五保户")
STATUSES = ("未脱贫", "已脱贫")


def build_county(engine, households: int = 120, county: str = COUNTY) -> dict[str, int]:  # noqa: ANN001
    """Create the county; returns 户编号 → household id."""
    with session_scope(engine) as s:
        s.add(County(code=county, name="测试县", data_year=2015))
        s.flush()
        villages = []
        for t in TOWNSHIPS:
            town = Township(county_code=county, name=t)
            s.add(town)
            s.flush()
            for v in ("一村", "二村"):
                vil = Village(county_code=county, township_id=town.id, name=f"{t[:2]}{v}")
                s.add(vil)
                s.flush()
                villages.append((town.id, vil.id))
        half, third = households // 2, households // 3
        rows = []
        for i in range(households):
            t_index = 0 if i < half else (1 if i < half + third else 2)
            town_id, vil_id = villages[2 * t_index + (i % 2)]
            rows.append(dict(
                county_code=county, household_no=f"{county}0000{(i * 7919) % 10000:04d}", township_id=town_id,
                village_id=vil_id, household_type=TYPES[i % 3], poverty_status=STATUSES[i % 2], size=1 + i % 5,
                extra={},
            ))
        s.execute(insert(Household), rows)
        ids = {no: hid for hid, no in s.execute(Household.__table__.select().with_only_columns(  # type: ignore[attr-defined]
            Household.id, Household.household_no))}
    return ids
