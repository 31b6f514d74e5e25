"""A text bar chart of rates with their intervals (the grade screen's township rates), in Unicode blocks.

Each row: label, a bar up to the rate (█ with an eighth-block tip), the interval [low, high] shaded with its upper end
``┤``, band limits drawn as ``┊``, then the figures. Pure rendering: rows in, :class:`rich.text.Text` out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

_EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class RateRow:
    """One bar: ``label``, ``n`` reviewed, ``x`` with issues, ``rate``/``low``/``high`` fractions (None: nothing reviewed)."""

    label: str
    n: int
    x: int
    rate: float | None
    low: float | None
    high: float | None


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def rate_bars(rows: Sequence[RateRow], width: int, limits: Sequence[tuple[str, float]] = ()) -> Text:
    """Render ``rows`` in ``width`` cells. ``limits``: (band name, max rate) lines to draw (e.g. 优秀 0.02)."""
    label_w = min(max((cell_len(r.label) for r in rows), default=4), 12)
    figures_w = 30
    track = max(width - label_w - figures_w - 3, 10)
    top = max([r.high or 0 for r in rows] + [r.rate or 0 for r in rows] + [lim for _, lim in limits if lim < 1] + [0.05])
    top = min(1.0, top * 1.05)
    out = Text(no_wrap=True)
    scale = Text(_pad("", label_w) + " ", style="dim")
    axis = [" "] * track
    for _name, lim in limits:
        if lim < 1:
            pos = min(int(lim / top * track), track - 1)
            axis[pos] = "┊"
    scale.append("".join(axis), style="dim")
    scale.append(f"  0 – {top * 100:.0f}%", style="dim")
    out.append_text(scale)
    out.append("\n")
    limit_pos = {min(int(lim / top * track), track - 1) for _, lim in limits if lim < 1}
    for r in rows:
        label = r.label if cell_len(r.label) <= label_w else r.label[: label_w - 1] + "…"
        out.append(_pad(label, label_w) + " ")
        if r.rate is None:
            out.append(_pad("（尚无已核查户）", track), style="dim")
        else:
            exact = r.rate / top * track
            full = int(exact)
            tip = int((exact - full) * 8)
            lo = int((r.low or 0) / top * track)
            hi = min(int((r.high or 0) / top * track), track - 1)
            for i in range(track):
                if i < full:
                    ch, style = "█", "bold red" if r.x else "green"
                elif i == full and tip:
                    ch, style = _EIGHTHS[tip], "bold red" if r.x else "green"
                elif lo <= i <= hi:
                    ch, style = ("┤" if i == hi else "─"), "yellow"
                elif i in limit_pos:
                    ch, style = "┊", "dim"
                else:
                    ch, style = " ", ""
                out.append(ch, style=style)
        if r.rate is None:
            fig = f"  n={r.n}"
        else:
            fig = f"  {r.rate * 100:5.1f}% [{(r.low or 0) * 100:.1f}–{(r.high or 0) * 100:.1f}] {r.x}/{r.n}"
        out.append(fig, style="" if r.rate is not None else "dim")
        out.append("\n")
    out.rstrip()
    return out
