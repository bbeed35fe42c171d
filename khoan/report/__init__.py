"""Reports: labels (Vietnamese by default, English on request), number formats, Excel
workbooks, matplotlib charts, HTML summaries for Jupyter, and the Excel input template.

Submodules: :mod:`~khoan.report.labels`, :mod:`~khoan.report.fmt`,
:mod:`~khoan.report.excel` (``write_workbook``), :mod:`~khoan.report.plots` (imports
matplotlib, so it is not imported here), :mod:`~khoan.report.html` (``html_repr``),
:mod:`~khoan.report.template` (``write_template``, ``template_to_model``, ``header_codes``).
"""

from .fmt import millions, to_millions, vnd
from .labels import label, relabel

__all__ = ["label", "millions", "relabel", "to_millions", "vnd"]
