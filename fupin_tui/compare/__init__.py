"""Cross-department comparison (部门数据比对), issue 5: department lists in, clues (线索) out.

- :mod:`.readers` reads a list (calamine / CSV / HTML-as-xls) and finds its header, ID and name columns by synonyms.
- :mod:`.infer` tells the department from the headers first, the file name second (``--dept`` overrides).
- :mod:`.matching` matches records to members on the normalised ID (set-based), finds possible ID typos, and gives
  pinyin suggestions for names.
- :mod:`.rules` loads the data-driven clue rules (``rules.toml``) and evaluates their conditions and templates.
- :mod:`.store` stores lists (ImportFile + DeptRecord) and upserts clues by key (verdicts survive re-runs).
- :mod:`.service` runs the whole comparison; :mod:`.queries` reads clues back for screens, reports and sampling.

A clue is a lead to verify, not a fact: department data have errors too. Only 属实 clues become marks.
"""

from __future__ import annotations

from .infer import AmbiguousDepartment, Inference, infer_department
from .queries import clue_households, clue_summary, clues_for_household, confirmed_clue_households
from .readers import DeptTable, ReadError, SkippedSheet, read_department_file
from .rules import Rule, RuleError, load_rules
from .service import CompareResult, ListReport, PreparedLists, compare_files, prepare, run_comparison
from .store import clue_key

__all__ = [
    "AmbiguousDepartment", "CompareResult", "DeptTable", "Inference", "ListReport", "PreparedLists", "ReadError",
    "Rule", "RuleError", "SkippedSheet",
    "clue_households", "clue_key", "clue_summary", "clues_for_household", "compare_files",
    "confirmed_clue_households", "infer_department", "load_rules", "prepare", "read_department_file",
    "run_comparison",
]
