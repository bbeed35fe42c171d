"""A table's plain data rows written as sheet XML, byte for byte what openpyxl writes for them.

openpyxl builds a ``Cell`` object per cell and serialises each through a pure-Python XML
writer: for a batch's summary (100 scenarios × 24 columns) that was most of the workbook's
cost. :class:`RawRows` writes the rows whose cells are plain — numbers, booleans, non-empty
text, empty cells — as XML text instead, and :func:`splice` puts them into the saved sheet
(between the rows openpyxl wrote). A row with anything else (a date, an empty string, an
error code like ``#N/A``, a subtotal row's font) goes through openpyxl as before.

The workbook stays byte-identical: a cell's XML is the one openpyxl's ``etree_write_cell``
makes (``<c r="B7" s="3" t="n"><v>1250000</v></c>``, text as an inline string, the
``xml:space`` rule of ``openpyxl.xml.functions.whitespace``), and the style of each cell
(number format, quote prefix for text that looks like a formula) is registered in the
workbook in the order openpyxl's writer would register it: the cells written by openpyxl
before the raw rows are registered first (:meth:`RawRows.register_before`).
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .excel_cells import cell_value, needs_escape

__all__ = ["RawRows", "splice"]

_ERROR_CODES = frozenset(ERROR_CODES)


def _text(s: str) -> str:
    """Element text escaped as ``xml.etree.ElementTree`` escapes it."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


class RawRows:
    """The raw data rows of a workbook's sheets, and the style ids of their cells.

    Parameters
    ----------
    wb : openpyxl.Workbook
        The workbook being built (its style tables receive the raw cells' styles).
    """

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.rows: dict[int, dict[int, str]] = {}  # id(worksheet) -> row number -> XML
        self._sheets: dict[int, Worksheet] = {}
        self._styles: dict[tuple[str | None, bool], int | None] = {}

    def register_before(self, ws: Worksheet) -> None:
        """Register the styles of every cell openpyxl holds so far in ``ws`` and the sheets
        before it, in the order its writer visits them (sheet by sheet, row by row)."""
        for sheet in self.wb.worksheets:
            for _, cell in sorted(sheet._cells.items()):
                if cell.has_style:
                    _ = cell.style_id  # registers the cell's style
            if sheet is ws:
                break

    def _style(self, ws: Worksheet, fmt: str | None, quote: bool) -> int | None:
        """The style id of a cell with number format ``fmt`` (or none) and quote prefix."""
        key = (fmt, quote)
        if key in self._styles:
            return self._styles[key]
        cell = Cell(ws)  # a cell of no sheet: only its style is used
        if fmt is not None:
            cell.number_format = fmt  # registers the number format, as put_cell does
        if quote:
            cell.quotePrefix = True
        sid = cell.style_id if cell.has_style else None
        self._styles[key] = sid
        return sid

    def row(self, ws: Worksheet, r: int, values: Any, fmts: list[str | None]) -> list[Any] | None:
        """Row ``r`` of ``ws`` as raw XML if all its cells are plain; the cells' values as
        written (for the column widths), or ``None`` (nothing kept: write it with openpyxl)."""
        shown = [cell_value(v) for v in values]
        cells: list[str] = []
        for j, v in enumerate(shown):
            if v is None:
                continue
            t = type(v)
            ref = f"{get_column_letter(j + 1)}{r}"
            if t is bool:
                cells.append(f'<c r="{ref}" t="b"><v>{1 if v else 0}</v></c>')
            elif t is int or t is float:
                sid = self._style(ws, fmts[j], False) if fmts[j] is not None else None
                s = "" if sid is None else f' s="{sid}"'
                cells.append(f'<c r="{ref}"{s} t="n"><v>{safe_string(v)}</v></c>')
            elif t is str and v and v not in _ERROR_CODES:
                sid = self._style(ws, None, True) if needs_escape(v) else None
                s = "" if sid is None else f' s="{sid}"'
                stripped = v.strip()
                space = ' xml:space="preserve"' if stripped and v != stripped else ""
                cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(v)}</t></is></c>')
            else:  # dates, empty text, error codes: openpyxl's own conversion
                return None
        self.rows.setdefault(id(ws), {})[r] = f'<row r="{r}">{"".join(cells)}</row>'
        self._sheets[id(ws)] = ws
        return shown

    def by_part(self) -> dict[str, dict[int, str]]:
        """Zip member name of each sheet (``xl/worksheets/sheet<n>.xml``) -> its raw rows."""
        out: dict[str, dict[int, str]] = {}
        for k, ws in enumerate(self.wb.worksheets, start=1):
            rows = self.rows.get(id(ws))
            if rows:
                out[f"xl/worksheets/sheet{k}.xml"] = rows
        return out


_ROW = re.compile(rb'<row r="(\d+)"')


def splice(xml: bytes, rows: dict[int, str]) -> bytes:
    """Sheet XML with the raw ``rows`` inserted among openpyxl's rows, in row order."""
    start = xml.index(b"<sheetData>") + len(b"<sheetData>")
    end = xml.index(b"</sheetData>", start)
    raw = sorted(rows.items())
    out: list[bytes] = [xml[:start]]
    k = 0
    pos = start
    for m in _ROW.finditer(xml, start, end):
        n = int(m.group(1))
        chunk: list[str] = []
        while k < len(raw) and raw[k][0] <= n:
            chunk.append(raw[k][1])
            k += 1
        if chunk:
            out.append(xml[pos : m.start()])
            out.append("".join(chunk).encode("utf-8"))
            pos = m.start()
            if raw[k - 1][0] == n:  # openpyxl holds the row too: only if it is empty
                empty = b'<row r="%d"></row>' % n
                if not xml.startswith(empty, pos):
                    raise RuntimeError(f"sheet row {n} written twice")  # a bug of khoan's
                pos += len(empty)
    out.append(xml[pos:end])
    out.append("".join(r for _, r in raw[k:]).encode("utf-8"))
    out.append(xml[end:])
    return b"".join(out)
