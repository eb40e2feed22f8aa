"""How fast, and in how little memory, a member-sheet preview refuses an XLSX zip bomb.

    python benchmarks/zip_bomb.py               # a ~1.6 MB workbook whose sheet inflates to ~1.6 GB
    python benchmarks/zip_bomb.py --gigabytes 4 # a bigger bomb

Builds the bomb (a real workbook whose first sheet is the same row repeated, compressed about a
thousand times), then times `members_preview` on it — the code path of the preview page and of
the commit — and prints the refusal, its wall and CPU time, the Python memory allocated during
the call (tracemalloc peak) and the process's peak RSS. Issue 13 measured 370 s and about 1 GB
for one preview of such a file before the limits; the target is a refusal in < 2 s, < 100 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHEET = "xl/worksheets/sheet1.xml"
ROW = (
    b'<row><c t="inlineStr"><is><t>Bomb SAS</t></is></c><c t="inlineStr"><is><t>sme</t></is>'
    b'</c><c t="inlineStr"><is><t>2024-01-01</t></is></c></row>' + b" " * 10_000
)  # the run of spaces (ignorable whitespace) is what deflate compresses about 1,000 times


def build_bomb(gigabytes: float) -> tuple[bytes, int]:
    """A workbook (header row name, type, member_since) whose sheet inflates to `gigabytes`."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "type", "member_since"])
    small = io.BytesIO()
    book.save(small)
    out = io.BytesIO()
    chunk = ROW * 100
    chunks = int(gigabytes * 1e9 / len(chunk))
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(out, "w", compresslevel=9) as dst:
        for item in src.infolist():
            if item.filename != SHEET:
                dst.writestr(item, src.read(item.filename))
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for _ in range(chunks):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue(), chunks * len(chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=1.6, help="inflated sheet size")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from grappe.interop.members import members_preview
    from grappe.interop.models import ImportRun

    started = time.perf_counter()
    bomb, inflated = build_bomb(args.gigabytes)
    print(
        f"bomb: {len(bomb) / 1e6:.2f} MB on disk, sheet inflates to {inflated / 1e9:.2f} GB "
        f"(ratio {inflated / len(bomb):,.0f}:1), built in {time.perf_counter() - started:.1f} s"
    )
    run = ImportRun(source="members", file_name="bomb.xlsx", payload=bomb)  # never saved
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    cpu, wall = time.process_time(), time.perf_counter()
    preview = members_preview(run)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"refusal: {preview.problem or '(none: the bomb was NOT refused)'}")
    print(f"rows read: {len(preview.lines)}")
    print(f"preview time: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU")
    print(f"memory allocated during the preview (tracemalloc peak): {peak / 1e6:.2f} MB")
    print(
        f"process peak RSS: {rss_after:.0f} MB (before the preview: {rss_before:.0f} MB, "
        "including Django and the bomb's construction)"
    )
    target = wall < 2 and peak < 100e6 and bool(preview.problem)
    print(f"target (refused in < 2 s and < 100 MB): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
