"""The rubric: defaults, merging a user TOML file over them, and clear refusals."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from fupin_tui.scoring import RubricError, cap_key_of, default_rubric, load_rubric


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "评比标准.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rubric():
    r = load_rubric(None)
    assert r == default_rubric()
    assert r.band_names == ("优秀", "良好", "合格", "不合格")
    assert [b.max_rate for b in r.bands[:3]] == [0.02, 0.05, 0.10] and math.isinf(r.bands[-1].max_rate)
    assert dict(r.severity_weights) == {"一般": 0.5, "严重": 1.0}
    assert dict(r.caps) == {
        "dead_registered": "合格",
        "public_employee": "合格",
        "duplicate_id_across_households": "合格",
    }
    assert (r.confidence, r.method, r.posterior, r.seed) == (0.95, "auto", "uniform", 20160101)
    assert r.source is None


def test_band_limits_are_inclusive_and_robust_to_float_noise():
    r = default_rubric()
    assert r.band_for(0.0) == "优秀"
    assert r.band_for(0.02) == "优秀"
    assert r.band_for(0.1 * 0.2) == "优秀"  # 0.020000000000000004
    assert r.band_for(0.0200001) == "良好"
    assert r.band_for(0.0487) == "良好"
    assert r.band_for(0.10) == "合格"
    assert r.band_for(0.5) == r.band_for(1.0) == "不合格"
    assert r.band_for(None) is None
    assert r.worse("优秀", None, "合格", "良好") == "合格"
    assert r.rank_of("良好") == 1
    with pytest.raises(KeyError):
        r.rank_of("特优")


def test_user_file_merges_over_default(tmp_path):
    path = _write(
        tmp_path,
        """
confidence = 0.9
[bands]
"优秀" = 0.01
[severity_weights]
"一般" = 0.3
[caps]
public_employee = false          # switched off
vehicle_owner = "良好"           # a new cap
""",
    )
    r = load_rubric(path)
    assert r.source == str(path)
    assert r.confidence == 0.9
    assert [(b.name, b.max_rate) for b in r.bands[:3]] == [("优秀", 0.01), ("良好", 0.05), ("合格", 0.10)]
    assert dict(r.severity_weights) == {"一般": 0.3, "严重": 1.0}
    assert dict(r.caps) == {
        "dead_registered": "合格",
        "duplicate_id_across_households": "合格",
        "vehicle_owner": "良好",
    }
    assert r.method == "auto" and r.seed == 20160101  # untouched keys keep their defaults


def test_bands_are_ordered_by_limit_and_may_be_renamed(tmp_path):
    path = _write(tmp_path, '[bands]\n"较好" = 0.08\n"优秀" = 0.03\n')
    r = load_rubric(path)
    assert r.band_names == ("优秀", "良好", "较好", "合格", "不合格")
    assert r.band_for(0.07) == "较好"


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("confidence = ", "不是有效的 TOML"),
        ("colour = 'red'", "未知的键"),
        ('[bands]\n"优秀" = "2%"', "须为数字"),
        ('[bands]\n"优秀" = 0', "须大于 0"),
        ('[bands]\n"特优" = 0.02', "上限相同"),
        ('[bands]\n"不合格" = 0.5', "缺少最差一级"),
        ('[severity_weights]\n"一般" = 2', "权重"),
        ('[caps]\ndead_registered = "差"', "不在等级表中"),
        ("confidence = 95", "置信度"),
        ('method = "bootstrap"', "未知的估计方法"),
        ('posterior = "haldane"', "未知的先验"),
        ("draws = 10", "模拟次数"),
        ("seed = -1", "随机种子"),
    ],
)
def test_bad_user_files_are_refused_with_a_chinese_message(tmp_path, text, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(RubricError, match=fragment):
        load_rubric(path)


def test_missing_file(tmp_path):
    with pytest.raises(RubricError, match="找不到评比标准文件"):
        load_rubric(tmp_path / "nope.toml")
    assert issubclass(RubricError, ValueError)


def test_severity_weight_and_caps_lookup():
    r = default_rubric()
    assert r.severity_weight("严重") == 1.0
    with pytest.raises(ValueError, match="未知的严重程度"):
        r.severity_weight("轻微")
    assert r.caps_for({"public_employee", "dead_registered", "not_a_cap"}) == [
        ("dead_registered", "合格"),
        ("public_employee", "合格"),
    ]


def test_cap_key_of_mark_source():
    assert cap_key_of("rule:dead_registered") == "dead_registered"
    assert cap_key_of("clue:public_employee") == "public_employee"
    assert cap_key_of("inspector") is None
    assert cap_key_of("rule:") is None


def test_to_json_round_trip_shape():
    data = default_rubric().to_json()
    assert data["bands"][-1] == {"name": "不合格", "max_rate": None}
