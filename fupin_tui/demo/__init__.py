"""Synthetic demo county: export files in the national layout, with or without deliberate data problems.

``generate_county`` writes one county (roster, income table, department lists, village / natural-village / county /
project / 组织部 tables and ``demo_manifest.json``); ``generate_province`` writes several counties that share a few
people. See ``fupin_tui.demo.generator`` for the facts a clean county obeys and ``fupin_tui.demo.problems`` for the
problem kinds.
"""

from fupin_tui.demo.generator import (
    DEPARTMENT_FILES,
    EXIT_LINE,
    INCOME_HEADER,
    MANIFEST_FILE,
    ORDINARY_LINE,
    ROSTER_HEADER,
    SHARED_PHONE_GROUP,
    DemoCounty,
    Problem,
    SharedPerson,
    generate_county,
    generate_province,
)
from fupin_tui.demo.problems import PROBLEM_KINDS

__all__ = [
    "DEPARTMENT_FILES",
    "EXIT_LINE",
    "INCOME_HEADER",
    "MANIFEST_FILE",
    "ORDINARY_LINE",
    "PROBLEM_KINDS",
    "ROSTER_HEADER",
    "SHARED_PHONE_GROUP",
    "DemoCounty",
    "Problem",
    "SharedPerson",
    "generate_county",
    "generate_province",
]
