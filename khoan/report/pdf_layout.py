"""The fpdf2 primitives of the printable report (:mod:`khoan.report.pdf`): the font, a new A4
document with its running title and page numbers, headings, paragraphs, tables, and charts
(matplotlib figures rendered to PNG in memory).

The font is DejaVu Sans, shipped with matplotlib, with every Vietnamese glyph: nothing is
downloaded. The document's creation date is the report's date (midnight UTC), so the same inputs
on the same date give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import KhoanError
from .labels import text

__all__ = [
    "FONT",
    "font_files",
    "heading",
    "image",
    "new_pdf",
    "paragraph",
    "plain_table",
    "table",
]

#: Page layout (mm): A4, margins.
_MARGIN = 15.0
#: The font family's name inside the PDF (DejaVu Sans, regular and bold).
FONT = "DejaVu"
_HEAD_FILL = (221, 235, 247)


def font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold, as shipped inside matplotlib (every Vietnamese glyph).

    Raises
    ------
    KhoanError
        matplotlib's font folder has no DejaVu Sans (a broken matplotlib installation).
    """
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = (folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise KhoanError(
            f"font not found: {', '.join(missing)} (the PDF report uses DejaVu Sans from "
            "matplotlib): reinstall matplotlib"
        )
    return files


# -- the document ----------------------------------------------------------------------------------


def new_pdf(lang: str, running_title: str, on: _dt.date) -> Any:
    """A new A4 document (portrait, millimetres) with DejaVu Sans embedded.

    Parameters
    ----------
    lang : {"vi", "en"}
        Language of the page footer (``Trang`` / ``Page`` n/N) and of the document.
    running_title : str
        Printed at the top of every page but the first, and the document's title.
    on : datetime.date
        The document's creation date (midnight UTC), so that the bytes depend on it only.

    Returns
    -------
    fpdf.FPDF
    """
    from fpdf import FPDF

    regular, bold = font_files()
    footer_word = text("Trang", "Page", lang)

    class _Report(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FONT, "", 7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, running_title, new_x="LMARGIN", new_y="NEXT", align="L")
            self.set_text_color(0, 0, 0)
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"{footer_word} {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_creation_date(_dt.datetime(on.year, on.month, on.day, tzinfo=_dt.UTC))
    pdf.set_lang("vi" if lang == "vi" else "en")
    pdf.set_title(running_title)
    pdf.set_creator("khoan")
    return pdf


def heading(pdf: Any, s: str, size: float = 13) -> None:
    """A bold heading of ``size`` points, on a new page when the cursor is within 50 mm of the
    page's bottom edge; the body font (9.5 points) is set afterwards."""
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, s, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1.5)
    pdf.set_font(FONT, "", 9.5)


def paragraph(pdf: Any, s: str, size: float = 9.5, bold: bool = False) -> None:
    """A paragraph of ``size`` points across the page width (wrapped); the body font is set
    afterwards."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, s, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 9.5)


def table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
    *,
    size: float = 8.0,
    bold_last: bool = False,
) -> None:
    """A table with a shaded header row and wrapped cells (fpdf2's ``pdf.table``).

    Parameters
    ----------
    pdf : fpdf.FPDF
    header : sequence of str
        Column titles (centred, bold).
    rows : sequence of sequences of str
        The cells, as printed.
    widths : sequence of float
        Column widths (mm).
    align : sequence of {"LEFT", "RIGHT", "CENTER"}
        Alignment of each column.
    size : float
        Font size (points).
    bold_last : bool
        The last row (a total) in bold.
    """
    from fpdf.fonts import FontFace

    pdf.set_font(FONT, "", size)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=tuple(widths),
        width=min(sum(widths), pdf.epw),
        text_align=tuple(align),
        line_height=size * 0.48,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        padding=0.8,
        align="LEFT",
    ) as t:
        r = t.row()
        for h in header:
            r.cell(h, align="CENTER")
        for i, row in enumerate(rows):
            r = t.row()
            last = bold_last and i == len(rows) - 1
            for v in row:
                r.cell(str(v), style=bold if last else None)
    pdf.set_font(FONT, "", 9.5)
    pdf.ln(2)


def plain_table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
    *,
    size: float = 8.0,
    bold_last: bool = False,
) -> None:
    """A long table of one-line cells, drawn cell by cell (much faster than ``pdf.table``); the
    header is repeated on every page. Parameters as :func:`table`."""
    h = size * 0.5
    al = {"LEFT": "L", "RIGHT": "R", "CENTER": "C"}

    def head() -> None:
        pdf.set_font(FONT, "B", size)
        pdf.set_fill_color(*_HEAD_FILL)
        for w, t in zip(widths, header, strict=True):
            pdf.cell(w, h + 1, t, border=1, align="C", fill=True)
        pdf.ln(h + 1)
        pdf.set_font(FONT, "", size)

    head()
    for i, row in enumerate(rows):
        if pdf.get_y() + h > pdf.page_break_trigger:
            pdf.add_page(same=True)
            head()
        if bold_last and i == len(rows) - 1:
            pdf.set_font(FONT, "B", size)
        for w, t, a in zip(widths, row, align, strict=True):
            pdf.cell(w, h, str(t), border=1, align=al[a])
        pdf.ln(h)
    pdf.set_font(FONT, "", 9.5)
    pdf.ln(2)


def _png(ax: Any) -> tuple[bytes, float]:
    """The figure of ``ax`` as PNG bytes (closed afterwards) and its height / width ratio."""
    import matplotlib.pyplot as plt

    from .plots import khoan_style

    fig = ax.figure
    try:
        w, h = fig.get_size_inches()
        buf = io.BytesIO()
        with khoan_style():
            fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue(), float(h / w)


def image(pdf: Any, ax: Any, title: str) -> None:
    """The figure of ``ax`` centred at the page width (smaller if it would be taller than the
    page), on a new page when it does not fit; ``title`` is its alternative text."""
    data, ratio = _png(ax)
    w = pdf.epw
    max_h = pdf.eph - 12
    h = w * ratio
    if h > max_h:
        h, w = max_h, max_h / ratio
    if pdf.get_y() + h > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(data), x=pdf.l_margin + (pdf.epw - w) / 2, w=w, h=h, alt_text=title)
    pdf.ln(3)
