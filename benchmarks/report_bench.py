"""Benchmark: write the rating report of a county with a 5,000-household sample (target: a few seconds).

Builds a county with the report tests' builder (``tests/builders.py``: 20,000 households, a stratified sample
of 5,000 in review order, two thirds reviewed, a mark on every third reviewed household, the action trail of every
status and mark), then times :func:`fupin_tui.report.collect` (database reads and the grade), the rendering of every
sheet, the save, and ``write_report`` end to end; with ``--pdf`` also a headless LibreOffice conversion to PDF and
its page count. Prints figures; no assertions.

    python benchmarks/report_bench.py [--households 20000] [--sample 5000] [--dir DIR] [--pdf]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from builders import COUNTY, build_report_county  # noqa: E402

from fupin_tui.models import dispose_all, get_engine, session_scope  # noqa: E402
from fupin_tui.report import build_workbook, collect, write_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--dir", type=Path, default=None, help="working directory (default: a temporary one)")
    parser.add_argument("--pdf", action="store_true", help="also convert to PDF with soffice (LibreOffice)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="report_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    for p in work.glob("bench.db*"):
        p.unlink()
    engine = get_engine(db)

    t = time.perf_counter()
    build_report_county(engine, households=args.households, sample_n=args.sample)
    print(f"build county ({args.households} households, sample {args.sample}): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    with session_scope(engine) as s:
        data = collect(s, COUNTY)
    t_collect = time.perf_counter() - t
    t = time.perf_counter()
    wb, counts = build_workbook(data)
    t_render = time.perf_counter() - t
    t = time.perf_counter()
    wb.save(work / "render_only.xlsx")
    t_save = time.perf_counter() - t
    print(f"collect {t_collect:.2f} s, render {t_render:.2f} s, save {t_save:.2f} s")
    print("rows:", ", ".join(f"{k} {v}" for k, v in counts.items() if v), f"(total {sum(counts.values())})")

    out = work / "report.xlsx"
    t = time.perf_counter()
    result = write_report(engine, out)
    total = time.perf_counter() - t
    print(f"write_report end to end: {total:.2f} s; file {out.stat().st_size / 1e6:.2f} MB -> {out}")
    if result.not_run:
        print("not run:", result.not_run)

    if args.pdf:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            print("soffice not found: PDF conversion skipped")
        else:
            t = time.perf_counter()
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(out)],
                           check=True, capture_output=True)
            pdf = out.with_suffix(".pdf")
            pages = "?"
            if shutil.which("pdfinfo"):
                info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
                pages = next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), "?")
            print(f"LibreOffice PDF: {time.perf_counter() - t:.1f} s, {pages} pages -> {pdf}")
    dispose_all()


if __name__ == "__main__":
    main()
