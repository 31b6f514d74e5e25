"""Sampling (抽样): the frame, reproducible selection, the frozen sample and its verification. Headless (no Textual).

- :mod:`.frame` — the county's households ordered by 乡镇, 行政村, 户编号, and the frame hash;
- :mod:`.rng` — ``numpy.random.Generator(PCG64(seed))`` read through its raw stream (same draw on any NumPy);
- :mod:`.select` — pure allocation (proportional / Neyman, min per stratum) and selection (random, systematic,
  stratified), prefix-consistent so an extension keeps every earlier pick;
- :mod:`.frozen` — the database side: draw, extend, refuse to replace a sample with work, verify.

Typical use::

    from fupin_tui.sampling import SampleRequest, draw_sample, verify_sample
    with session_scope(engine) as s:
        outcome = draw_sample(s, "422822", SampleRequest(n=60, method="stratified", by="township", seed=1))
        report = verify_sample(s, "422822")   # report.ok
"""

from fupin_tui.sampling.frame import BLANK, Frame, FrameRow, frame_hash, load_frame, stratify_columns, stratum_label
from fupin_tui.sampling.frozen import (
    CERTAINTY_MODES,
    CERTAINTY_STRATUM,
    DrawOutcome,
    SampleRequest,
    SamplingError,
    VerifyReport,
    active_sample,
    certainty_households,
    default_seed,
    draw_sample,
    extend_sample,
    neyman_guess,
    sample_work,
    verify_sample,
)
from fupin_tui.sampling.rng import GENERATOR, Stream, generator_label
from fupin_tui.sampling.select import (
    ALLOCATIONS,
    METHODS,
    WHOLE_COUNTY,
    Design,
    Pick,
    Selection,
    SelectionError,
    StratumPlan,
    Unit,
    allocate,
    neyman_weights,
    select,
)

__all__ = [
    "ALLOCATIONS", "BLANK", "CERTAINTY_MODES", "CERTAINTY_STRATUM", "GENERATOR", "METHODS", "WHOLE_COUNTY", "Design",
    "DrawOutcome", "Frame", "FrameRow", "Pick", "SampleRequest", "SamplingError", "Selection", "SelectionError",
    "Stream", "StratumPlan", "Unit", "VerifyReport", "active_sample", "allocate", "certainty_households",
    "default_seed", "draw_sample", "extend_sample", "frame_hash", "generator_label", "load_frame", "neyman_guess",
    "neyman_weights", "sample_work", "select", "stratify_columns", "stratum_label", "verify_sample",
]
