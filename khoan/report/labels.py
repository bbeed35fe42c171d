"""Vietnamese (default) and English labels of result columns, components and sheets.

``label("salary_fund")`` -> ``"Quỹ lương, phụ cấp"``; ``label("salary_fund", "en")`` ->
``"Salary and allowance fund"``. Unknown names are returned unchanged, so a table with a new
column still prints. Category codes inside cells (``xa``, ``can_bo``, ``M``...) are labelled with
the tables of :mod:`khoan.data.labels` (the same tables the readers use to map labels back to
codes).

:data:`MONEY_COLUMNS` lists the columns that hold VND amounts (formatted ``#,##0`` in
workbooks, in millions or billions of đồng on chart axes); :data:`ADDITIVE_COLUMNS` the
columns that a totals row sums (money and counts of people, posts, villages...).
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from ..data.labels import CATEGORY_LABELS
from ..data.labels import label as _category_label
from ..errors import KhoanError
from ..lumpsum import COMPONENTS as _BUDGET_COMPONENTS
from ..payroll import COMPONENTS as _PAYROLL_COMPONENTS

__all__ = [
    "ADDITIVE_COLUMNS",
    "COLUMN_LABELS",
    "LANGS",
    "MONEY_COLUMNS",
    "PROVENANCE_LABELS",
    "STOCK_COLUMNS",
    "VALUE_LABELS",
    "category_label",
    "check_lang",
    "code_label",
    "describe_params",
    "key_label",
    "label",
    "provenance_label",
    "relabel",
    "relabel_values",
    "text",
    "value_label",
    "workbook_values",
    "yes_no",
]

LANGS = ("vi", "en")

#: column or component name -> (Vietnamese, English)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    # --- common / communes table ---------------------------------------------------------
    "code": ("Mã ĐVHC", "Code"),
    "name": ("Tên", "Name"),
    "type": ("Loại đơn vị", "Unit type"),
    "district_code": ("Mã huyện", "District code"),
    "district_name": ("Huyện, thị xã, thành phố", "District"),
    "class": ("Phân loại ĐVHC", "Class"),
    "population": ("Dân số (người)", "Population"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "zone": ("Vùng định mức", "Norm zone"),
    "region_coef": ("Hệ số phụ cấp khu vực", "Regional allowance coefficient"),
    "approved_posts": ("Biên chế CBCC được giao", "Approved posts"),
    "approved_nhdkct": ("Số NHĐKCT được giao", "Approved NHĐKCT"),
    "villages_large": ("Số thôn, TDP quy mô lớn", "Large villages"),
    "villages_other": ("Số thôn, TDP còn lại", "Other villages"),
    "last_allocation": ("Kinh phí giao năm trước", "Last year's allocation"),
    "year": ("Năm", "Year"),
    "commune": ("Mã xã", "Commune"),
    "commune_name": ("Tên đơn vị", "Commune name"),
    "province": ("Tỉnh", "Province"),
    "month": ("Tháng", "Month"),
    "date": ("Ngày", "Date"),
    "count": ("Số lượng", "Count"),
    "persons": ("Số người", "Persons"),
    "share": ("Tỷ lệ", "Share"),
    "note": ("Ghi chú", "Note"),
    # --- staff table ------------------------------------------------------------------------
    "id": ("Mã cán bộ", "Person id"),
    "full_name": ("Họ và tên", "Full name"),
    "category": ("Đối tượng", "Category"),
    "position": ("Chức vụ", "Position"),
    "grade": ("Ngạch", "Grade"),
    "step": ("Bậc", "Step"),
    "coefficient": ("Hệ số lương", "Salary coefficient"),
    "position_coef": ("Hệ số phụ cấp chức vụ", "Position allowance coefficient"),
    "tnvk_pct": ("Thâm niên vượt khung (%)", "Seniority beyond top step (%)"),
    "birth_date": ("Ngày sinh", "Birth date"),
    "sex": ("Giới tính", "Sex"),
    "insured_since": ("Ngày bắt đầu đóng BHXH", "Insured since"),
    "next_step_date": ("Ngày nâng bậc tiếp theo", "Next step rise"),
    "bhtn_covered": ("Đóng BHTN", "Unemployment insurance"),
    "start_date": ("Ngày bắt đầu", "Start date"),
    "end_date": ("Ngày thôi việc", "End date"),
    "reduced_age_years": (
        "Số năm tính nghỉ hưu ở tuổi thấp hơn",
        "Years towards the reduced retirement age",
    ),
    "age": ("Tuổi", "Age"),
    "retirement_date": ("Ngày nghỉ hưu", "Retirement date"),
    # --- outputs table -------------------------------------------------------------------
    "indicator": ("Chỉ tiêu", "Indicator"),
    "value": ("Giá trị", "Value"),
    # --- payroll components (VND/year) ---------------------------------------------------
    "salary": ("Lương ngạch, bậc", "Salary (grade and step)"),
    "position_allowance": ("Phụ cấp chức vụ", "Position allowance"),
    "tnvk": ("Phụ cấp thâm niên vượt khung", "Seniority allowance beyond top step"),
    "commune_class_allowance": ("Phụ cấp theo loại ĐVHC", "Commune class allowance"),
    "public_service_allowance": ("Phụ cấp công vụ", "Public service allowance"),
    "regional_allowance": ("Phụ cấp khu vực", "Regional allowance"),
    "bao_luu": ("Chênh lệch bảo lưu", "Kept difference"),
    "low_pay_supplement": (
        "Tiền lương tăng thêm (NĐ 17/2015)",
        "Additional salary, coefficient ≤ 2.34 (NĐ 17/2015)",
    ),
    "nhdkct_allowance": ("Phụ cấp NHĐKCT", "NHĐKCT allowance"),
    "bhxh": ("BHXH", "Social insurance (BHXH)"),
    "bhyt": ("BHYT", "Health insurance (BHYT)"),
    "kpcd": ("KPCĐ", "Trade union fee (KPCĐ)"),
    "bhtn": ("BHTN", "Unemployment insurance (BHTN)"),
    "salary_fund_grade": ("Quỹ lương theo ngạch, bậc", "Salary fund (grade and step)"),
    "total": ("Tổng cộng", "Total"),
    # --- budget components (VND/year) ----------------------------------------------------
    "salary_fund": ("Quỹ lương, phụ cấp", "Salary and allowance fund"),
    "vacancy_fund": ("Quỹ lương biên chế chưa tuyển", "Vacant posts fund"),
    "contributions": ("Các khoản đóng góp", "Employer contributions"),
    "nhdkct_fund": ("Quỹ phụ cấp NHĐKCT", "NHĐKCT allowance fund"),
    "village_fund": ("Kinh phí thôn, tổ dân phố", "Village fund"),
    "operating": ("Chi hoạt động (định mức)", "Operating (norm)"),
    "purchases_repairs": ("Mua sắm, sửa chữa thường xuyên", "Routine purchases and repairs"),
    "special_tasks": ("Nhiệm vụ đặc thù", "Special tasks"),
    "lump_sum": ("Kinh phí khoán", "Lump sum"),
    "savings": ("Tiết kiệm", "Savings"),
    "tntt": ("Thu nhập tăng thêm", "Income increase (TNTT)"),
    "bonus_fund": ("Quỹ khen thưởng", "Bonus fund"),
    # --- allocation ----------------------------------------------------------------------
    "score": ("Điểm tổng hợp", "Score"),
    "target": ("Mức mục tiêu", "Target"),
    "floor": ("Mức sàn bắt buộc", "Mandatory floor"),
    "lower": ("Cận dưới", "Lower bound"),
    "upper": ("Cận trên", "Upper bound"),
    "allocation": ("Kinh phí phân bổ", "Allocation"),
    "change": ("Chênh lệch so với năm trước", "Change on last year"),
    "binding": ("Ràng buộc chặt", "Binding constraint"),
    "norm_part": ("Phần theo định mức", "Norm-based part"),
    "score_part": ("Phần theo kết quả đầu ra", "Output-based part"),
    "deviation": ("Chênh lệch so với mục tiêu", "Deviation from target"),
    "envelope": ("Tổng dự toán", "Envelope"),
    "dual": ("Giá trị đối ngẫu", "Dual value"),
    # --- scenarios -----------------------------------------------------------------------
    "headcount_start": ("Số người đầu năm", "Headcount at start"),
    "retirements": ("Nghỉ hưu", "Retirements"),
    "leavers": ("Tinh giản, thôi việc", "Leavers"),
    "hires": ("Tuyển mới", "Hires"),
    "headcount_end": ("Số người cuối năm", "Headcount at end"),
    "one_off_cost": ("Chi phí một lần (chính sách)", "One-off cost (benefits)"),
    "recurring_savings": ("Tiết kiệm thường xuyên", "Recurring savings"),
    "net_savings": ("Tiết kiệm ròng", "Net savings"),
    "cumulative_net_savings": ("Tiết kiệm ròng lũy kế", "Cumulative net savings"),
    "payback_year": ("Năm hoàn vốn", "Payback year"),
    "commune_kept": ("Phần xã được giữ lại", "Kept by the commune"),
    "tntt_per_person": ("Thu nhập tăng thêm bình quân/người", "Income increase per person"),
    "state_savings": ("Ngân sách nhà nước tiết kiệm", "State budget savings"),
    "state_net_savings": ("Tiết kiệm ròng của ngân sách nhà nước", "State net savings"),
    "cumulative_state_net_savings": (
        "Tiết kiệm ròng lũy kế của ngân sách nhà nước",
        "Cumulative state net savings",
    ),
    "model": ("Mô hình", "Model"),
    "first_year": ("Năm đầu", "First year"),
    "last_year": ("Năm cuối", "Last year"),
    "target_met": ("Đạt chỉ tiêu", "Target met"),
    "state_payback_year": ("Năm hoàn vốn (ngân sách nhà nước)", "State payback year"),
    "target_reduction": ("Số người phải giảm theo chỉ tiêu", "Reduction required by the target"),
    "reduction": ("Số người đã giảm", "Reduction achieved"),
    "target_gap": ("Số người còn thiếu so với chỉ tiêu", "Shortfall against the target"),
    "headcount_change": ("Thay đổi biên chế", "Headcount change"),
    "share_reduced": ("Tỷ lệ tinh giản", "Share reduced"),
    "base_headcount": ("Biên chế kỳ gốc", "Base headcount"),
    "payroll_total": ("Tổng quỹ lương thực trả", "Payroll paid"),
    "exits": ("Nghỉ việc khác", "Other exits"),
    "baseline_headcount_end": ("Số người cuối năm (phương án gốc)", "Headcount at end (baseline)"),
    "baseline_approved_posts": ("Biên chế giao (phương án gốc)", "Approved posts (baseline)"),
    "baseline_payroll_total": ("Quỹ lương thực trả (phương án gốc)", "Payroll paid (baseline)"),
    "baseline_lump_sum": ("Kinh phí khoán (phương án gốc)", "Lump sum (baseline)"),
    "baseline_commune_kept": ("Phần xã giữ lại (phương án gốc)", "Kept by communes (baseline)"),
    "baseline_tntt": ("Thu nhập tăng thêm (phương án gốc)", "Income increase (baseline)"),
    "baseline_tntt_per_person": (
        "Thu nhập tăng thêm bình quân/người (phương án gốc)",
        "Income increase per person (baseline)",
    ),
    "last": ("Kinh phí năm trước", "Last year"),
    "change_pct": ("Thay đổi so với năm trước (%)", "Change on last year (%)"),
    "norm": ("Dự toán theo định mức", "Norm-based lump sum"),
    "performance": ("Phần phân bổ theo kết quả", "Performance part"),
    "benefit": ("Trợ cấp", "Benefit"),
    "regime": ("Chế độ chính sách", "Benefit regime"),
    "policy": ("Phương án tinh giản", "Reduction policy"),
    "kind": ("Hình thức", "Kind"),
    "leave_date": ("Ngày nghỉ", "Leave date"),
    "band": ("Nhóm tuổi so với tuổi nghỉ hưu", "Age band before retirement"),
    "years_early": ("Số năm nghỉ trước tuổi", "Years early"),
    "months_early": ("Số tháng nghỉ trước tuổi", "Months early"),
    "insured_years": ("Số năm đóng BHXH", "Insured years"),
    "months_after_decision": ("Số tháng sau quyết định sắp xếp", "Months after the decision"),
    "monthly_salary": ("Tiền lương tháng hiện hưởng", "Current monthly salary"),
    "average_salary": ("Tiền lương bình quân", "Average monthly salary"),
    "benefit_months": ("Số tháng lương trợ cấp", "Months of salary paid"),
    "basis_note": ("Ghi chú căn cứ tính lương", "Salary basis note"),
    # --- allocation summary and budget details ----------------------------------------------
    "sum_targets": ("Tổng mức phân bổ mục tiêu", "Sum of targets"),
    "sum_floors": ("Tổng mức sàn bắt buộc", "Sum of floors"),
    "objective": ("Giá trị hàm mục tiêu", "Objective value"),
    "envelope_dual": ("Giá trị biên của tổng kinh phí", "Marginal value of the envelope"),
    "communes_at_floor": ("Số xã ở mức sàn", "Communes at their floor"),
    "communes_at_corridor": ("Số xã ở biên độ ổn định", "Communes at the stability corridor"),
    "filled_posts": ("Số người làm việc bình quân năm", "Filled posts (annual average)"),
    "vacant_posts": ("Số biên chế còn trống bình quân năm", "Vacant posts (annual average)"),
    "quota_posts": ("Số lượng CBCC theo quy định (31/12)", "Legal quota (31 December)"),
    "vacancy_contributions": (
        "Các khoản đóng góp của biên chế trống",
        "Contributions of vacant posts",
    ),
    "roster_nhdkct": ("Phụ cấp NHĐKCT theo danh sách", "NHĐKCT allowances on the roster"),
    "roster_hop_dong": ("Chi hợp đồng lao động theo danh sách", "Contract staff on the roster"),
    # --- batch -----------------------------------------------------------------------------
    "scenario": ("Kịch bản", "Scenario"),
    "status": ("Trạng thái", "Status"),
    "error": ("Lỗi", "Error"),
    "seconds": ("Thời gian chạy (giây)", "Run time (s)"),
    # --- parameters sheet (ParameterTree.table) -----------------------------------------
    "key": ("Mã tham số", "Parameter"),
    "unit": ("Đơn vị tính", "Unit"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "reference": ("Căn cứ pháp lý", "Legal reference"),
    "confidence": ("Mức tin cậy", "Confidence"),
    "description_vi": ("Mô tả", "Description (Vietnamese)"),
    "description_en": ("Mô tả (tiếng Anh)", "Description"),
    "description": ("Mô tả", "Description"),
    # --- sheet names and report words ------------------------------------------------------
    "summary": ("Tổng hợp", "Summary"),
    "params": ("Tham số", "Parameters"),
    "parameters": ("Tham số", "Parameters"),
    "provenance": ("Nguồn gốc số liệu", "Provenance"),
    "communes": ("Đơn vị cấp xã", "Communes"),
    "staff": ("Nhân sự", "Staff"),
    "outputs": ("Chỉ tiêu đầu ra", "Outputs"),
    "payroll": ("Bảng lương", "Payroll"),
    "by_year": ("Theo năm", "By year"),
    "by_commune": ("Theo xã", "By commune"),
    "details": ("Chi tiết theo xã", "Details by commune"),
    "per_person": ("TNTT theo người", "TNTT per person"),
    "item": ("Chỉ tiêu", "Item"),
    "amount": ("Số tiền", "Amount"),
    "scores": ("Điểm chỉ tiêu", "Indicator scores"),
    "scenarios": ("Các kịch bản", "Scenarios"),
    "errors": ("Lỗi", "Errors"),
    "row_kind": ("Loại dòng", "Row kind"),
    "param_name": ("Nội dung tham số", "Description"),
    "prov_key": ("Mã mục", "Key"),
    # --- settlement (VND/year) -------------------------------------------------------------
    "actual": ("Chi thực tế", "Actual spending"),
    "overspend": ("Chi vượt kinh phí khoán", "Overspending"),
    "savings_counted": ("Tiết kiệm được sử dụng", "Savings used"),
    "tntt_cap": ("Mức trần thu nhập tăng thêm", "Income increase cap"),
    "rewards": ("Chi khen thưởng", "Rewards"),
    "welfare": ("Chi phúc lợi", "Welfare"),
    "reserve": ("Quỹ dự phòng ổn định thu nhập", "Income stabilisation reserve"),
    "advance_cap_q1": ("Mức tạm chi TNTT tối đa quý I", "TNTT advance cap, Q1"),
    "advance_cap_q2": ("Mức tạm chi TNTT tối đa quý II", "TNTT advance cap, Q2"),
    "advance_cap_q3": ("Mức tạm chi TNTT tối đa quý III", "TNTT advance cap, Q3"),
    "advance_cap_q4": ("Mức tạm chi TNTT tối đa quý IV", "TNTT advance cap, Q4"),
    "vacancy_saving": ("Tiết kiệm từ biên chế chưa tuyển", "Savings on vacant posts"),
    "state_saving": ("Ngân sách nhà nước tiết kiệm", "State budget saving"),
    "weight": ("Hệ số phân phối", "Distribution weight"),
    # --- leavers' benefits (VND) -----------------------------------------------------------
    "eligible": ("Đủ điều kiện", "Eligible"),
    "reason": ("Lý do", "Reason"),
    "current_salary": ("Tiền lương tháng hiện hưởng", "Current monthly salary"),
    "early_months_lump": (
        "Trợ cấp theo số tháng nghỉ sớm",
        "Lump sum for the months retired early",
    ),
    "early_years": (
        "Trợ cấp theo số năm nghỉ hưu trước tuổi",
        "Benefit for the years retired early",
    ),
    "insured_first": (
        "Trợ cấp cho 20 năm đầu đóng BHXH",
        "Benefit for the first 20 insured years",
    ),
    "insured_further": (
        "Trợ cấp cho số năm đóng BHXH còn lại",
        "Benefit for the further insured years",
    ),
    "severance": ("Trợ cấp thôi việc theo tháng lương", "Severance pay"),
    "per_insured_year": ("Trợ cấp theo số năm công tác", "Benefit per year worked"),
    "job_search": ("Trợ cấp tìm việc làm", "Job-search allowance"),
    "at_retirement_age": (
        "Trợ cấp khi đủ tuổi nghỉ hưu (NHĐKCT)",
        "Benefit at the retirement age (NHĐKCT)",
    ),
    "salary_saved_to_horizon": (
        "Tiền lương tiết kiệm đến cuối kỳ",
        "Salary saved to the end of the horizon",
    ),
    # --- batch -----------------------------------------------------------------------------
    "ok": ("Số kịch bản chạy xong", "Scenarios finished"),
    "failed": ("Số kịch bản lỗi", "Scenarios failed"),
    "reused": ("Số kịch bản dùng lại kết quả cũ", "Scenarios reused"),
    "executor": ("Cách chạy", "Executor"),
}

#: provenance keys (each part of a dotted key) -> (Vietnamese, English); parts not listed here
#: are looked up in :data:`COLUMN_LABELS`
PROVENANCE_LABELS: dict[str, tuple[str, str]] = {
    "khoan_version": ("Phiên bản khoan", "khoan version"),
    "synthetic": ("Dữ liệu tổng hợp (minh họa)", "Synthetic data"),
    "model_digest": ("Mã kiểm tra dữ liệu mô hình", "Model data digest"),
    "parameters_digest": ("Mã kiểm tra bộ tham số", "Parameters digest"),
    "overrides": ("Tham số được thay đổi", "Parameter overrides"),
    "target": ("Chỉ tiêu tinh giản", "Reduction target"),
    "share": ("Tỷ lệ", "Share"),
    "inputs": ("Mã kiểm tra dữ liệu đầu vào", "Input digests"),
    "notes": ("Ghi chú", "Notes"),
    "shares": ("Tỷ lệ phân chia tiết kiệm", "Savings shares"),
    "options": ("Tùy chọn", "Options"),
    "score_year": ("Năm lấy chỉ tiêu chấm điểm", "Year of the scored indicators"),
    "corridor": ("Biên độ ổn định", "Stability corridor"),
    "staffing": ("Tính theo biên chế", "Staffing"),
    "group_floor": ("Mức sàn theo nhóm", "Group floors"),
    "group_cap": ("Mức trần theo nhóm", "Group caps"),
    "solver": ("Bộ giải", "Solver"),
    "solver_path": ("Cách giải", "Solver path"),
    "years": ("Các năm", "Years"),
    "by": ("Đến năm", "By"),
    "path": ("Lộ trình", "Path"),
    "scope": ("Phạm vi", "Scope"),
    "decision_date": ("Ngày quyết định", "Decision date"),
    "categories": ("Đối tượng áp dụng", "Categories"),
    "approved_falls": ("Giảm biên chế giao theo số tinh giản", "Approved posts fall"),
    "replace_retirees": ("Tuyển thay người nghỉ hưu", "Retirees replaced"),
    "leave_month": ("Tháng nghỉ việc", "Leave month"),
    "order": ("Thứ tự chọn người", "Order"),
    "kinds": ("Hình thức tinh giản", "Kinds of departure"),
    "title": ("Tiêu đề", "Title"),
    "parameters": ("Tham số đã dùng", "Parameters used"),
    "roster_date": ("Ngày lập danh sách", "Roster date"),
    "horizon": ("Giai đoạn", "Horizon"),
    "format": ("Định dạng", "Format"),
    "runner": ("Hàm chạy kịch bản", "Scenario runner"),
    "counts": ("Số lượng", "Counts"),
    "digest": ("Mã kiểm tra", "Digest"),
    "override": ("Lần thay đổi", "Override"),
    "old": ("Giá trị cũ", "Old value"),
    "new": ("Giá trị mới", "New value"),
    "source": ("Nguồn", "Source"),
    # keys inside mapping-valued parameters
    "direction": ("Hướng", "Direction"),
    "weight": ("Trọng số", "Weight"),
    "first": ("Hệ số bậc 1", "First step"),
    "increment": ("Chênh lệch giữa hai bậc", "Increment per step"),
    "steps": ("Số bậc", "Steps"),
    "start_pct": ("Tỷ lệ khởi điểm (%)", "Starting rate (%)"),
    "increment_pct": ("Tỷ lệ tăng thêm mỗi năm (%)", "Yearly increment (%)"),
    "years_at_top": ("Số năm ở bậc cuối", "Years at the top step"),
    "years_per_step": ("Số năm mỗi bậc", "Years per step"),
    "min": ("Tối thiểu", "Minimum"),
    "max": ("Tối đa", "Maximum"),
    "large": ("Thôn, TDP quy mô lớn", "Large village"),
    "other": ("Còn lại", "Other"),
    "area": ("Diện tích", "Area"),
    "class1": ("Loại 1", "Class 1"),
    "class2": ("Loại 2", "Class 2"),
    "half_year_from": ("Tính nửa năm từ (số tháng lẻ)", "Half a year from (odd months)"),
    "full_year_from": ("Tính tròn năm từ (số tháng lẻ)", "A whole year from (odd months)"),
    "unrated": ("Chưa xếp loại", "Unrated"),
    "staff_reduction": ("Kinh phí tinh giản biên chế", "Staff reduction"),
    "scheme_purchases": ("Mua sắm theo đề án", "Purchases under schemes"),
    "adhoc_tasks": ("Nhiệm vụ đột xuất", "Ad hoc tasks"),
    "vien_chuc": ("Viên chức", "Public employees"),
    "under_2": ("Dưới 2 năm", "Under 2 years"),
    "2_5": ("Từ 2 đến 5 năm", "2 to 5 years"),
    "5_10": ("Trên 5 đến 10 năm", "Over 5 to 10 years"),
    "registry": ("Đối chiếu danh mục ĐVHC", "Unit registry check"),
}

#: codes of values (by column or summary key) -> (Vietnamese, English): units, confidence,
#: run status, binding constraints, early-retirement bands
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "unit": {
        "VND/month": ("đồng/tháng", "VND/month"),
        "VND/person/year": ("đồng/người/năm", "VND/person/year"),
        "VND/year": ("đồng/năm", "VND/year"),
        "VND": ("đồng", "VND"),
        "bool": ("có/không", "yes/no"),
        "coefficient": ("hệ số", "coefficient"),
        "coefficient/month": ("hệ số/tháng", "coefficient/month"),
        "months": ("tháng", "months"),
        "months/year": ("tháng/năm", "months/year"),
        "percent": ("%", "percent"),
        "persons": ("người", "persons"),
        "points": ("điểm", "points"),
        "posts": ("biên chế", "posts"),
        "rate": ("tỷ lệ", "rate"),
        "text": ("danh mục", "list"),
        "years": ("năm", "years"),
    },
    "confidence": {
        "confirmed": ("Đã đối chiếu văn bản", "Confirmed"),
        "unconfirmed": ("Chưa đối chiếu văn bản", "Unconfirmed"),
        "illustrative": ("Minh họa", "Illustrative"),
    },
    "status": {
        "ok": ("Hoàn thành", "Finished"),
        "failed": ("Lỗi", "Failed"),
        "optimal": ("Tối ưu", "Optimal"),
        "feasible": ("Khả thi", "Feasible"),
        "infeasible": ("Không khả thi", "Infeasible"),
    },
    "binding": {
        "floor": ("Mức sàn", "Floor"),
        "lower": ("Cận dưới", "Lower bound"),
        "upper": ("Cận trên", "Upper bound"),
        "group_floor": ("Mức sàn nhóm", "Group floor"),
        "group_cap": ("Mức trần nhóm", "Group cap"),
        "staffing": ("Biên chế", "Staffing"),
    },
    "band": {
        "under_2": ("Dưới 2 năm", "Under 2 years"),
        "2_5": ("Từ 2 đến 5 năm", "2 to 5 years"),
        "5_10": ("Trên 5 đến 10 năm", "Over 5 to 10 years"),
    },
    "scope": {
        "province": ("Toàn tỉnh", "Province"),
        "commune": ("Từng xã", "Each commune"),
    },
    "path": {"linear": ("Đều mỗi năm", "Linear")},
    "direction": {
        "lower": ("Càng thấp càng tốt", "Lower is better"),
        "higher": ("Càng cao càng tốt", "Higher is better"),
    },
    "kind": {
        "service": ("Chất lượng phục vụ", "Service"),
        "workload": ("Khối lượng công việc", "Workload"),
    },
    "order": {"default": ("Mặc định", "Default")},
}

#: columns holding VND amounts (int64)
MONEY_COLUMNS: frozenset[str] = frozenset(
    {
        # every payroll component (khoan.payroll.COMPONENTS) and lump-sum component
        # (khoan.lumpsum.COMPONENTS) is money, so a new component is formatted as money too
        # (bao_luu is a coefficient in the staff table: money only when integer, see below)
        *(c for c in _PAYROLL_COMPONENTS if c != "bao_luu"),
        *_BUDGET_COMPONENTS,
        "state_savings",
        "state_net_savings",
        "cumulative_state_net_savings",
        "payroll_total",
        "baseline_payroll_total",
        "baseline_lump_sum",
        "baseline_commune_kept",
        "baseline_tntt",
        "baseline_tntt_per_person",
        "last",
        "norm",
        "performance",
        "last_allocation",
        "salary_fund_grade",
        "total",
        "lump_sum",
        "savings",
        "tntt",
        "bonus_fund",
        "target",
        "floor",
        "lower",
        "upper",
        "allocation",
        "change",
        "norm_part",
        "score_part",
        "deviation",
        "envelope",
        "one_off_cost",
        "recurring_savings",
        "net_savings",
        "cumulative_net_savings",
        "commune_kept",
        "tntt_per_person",
        "benefit",
        "amount",
        # settlement (khoan.settle): VND/year per commune
        "actual",
        "overspend",
        "savings_counted",
        "tntt_cap",
        "rewards",
        "welfare",
        "reserve",
        "advance_cap_q1",
        "advance_cap_q2",
        "advance_cap_q3",
        "advance_cap_q4",
        "vacancy_saving",
        "state_saving",
    }
)

#: non-money columns that a totals row adds up (people, posts, villages, area)
_COUNT_COLUMNS = frozenset(
    {
        "population",
        "area_km2",
        "approved_posts",
        "approved_nhdkct",
        "villages_large",
        "villages_other",
        "headcount_start",
        "retirements",
        "leavers",
        "hires",
        "headcount_end",
        "count",
        "persons",
    }
)
#: money per person is an average, not a sum
ADDITIVE_COLUMNS: frozenset[str] = frozenset(
    c for c in MONEY_COLUMNS | _COUNT_COLUMNS if not c.endswith("per_person")
)

#: columns that add up over communes but not over years: stocks at a date (people, posts) and
#: running totals; a by-year table's totals row leaves them empty
STOCK_COLUMNS: frozenset[str] = frozenset(
    {
        "headcount_start",
        "headcount_end",
        "base_headcount",
        "baseline_headcount_end",
        "approved_posts",
        "baseline_approved_posts",
        "cumulative_net_savings",
        "cumulative_state_net_savings",
    }
)

#: ``bao_luu`` is a coefficient in the staff table and an amount in the payroll table: the
#: payroll component is money when its dtype is integer (see ``is_money``).
_MONEY_WHEN_INT = frozenset({"bao_luu"})


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"vi"`` or ``"en"``, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return lang


@functools.cache
def _indicator_labels() -> dict[str, tuple[str, str]]:
    """Documented output indicator codes -> (Vietnamese, English) labels
    (``khoan/data/starters/indicator_codes.csv``)."""
    from ..data.starter import indicator_catalog

    return {c: (d["label_vi"], d["label_en"]) for c, d in indicator_catalog().items()}


_SCORE_PREFIX = ("Điểm thành phần: ", "Sub-score: ")


def label(col: object, lang: str = "vi") -> str:
    """Label of a column or component name; unknown names are returned unchanged (as text).

    Output indicator codes (``late_rate``) are labelled from the documented indicator list,
    and their sub-scores (``late_rate_score``) as ``Điểm thành phần: <indicator>``.
    """
    check_lang(lang)
    k = 0 if lang == "vi" else 1
    if not isinstance(col, str):
        return str(col)
    pair = COLUMN_LABELS.get(col) or _indicator_labels().get(col)
    if pair is not None:
        return pair[k]
    if col.endswith("_score") and col != "_score":
        base = col[: -len("_score")]
        if base in COLUMN_LABELS or base in _indicator_labels():
            return _SCORE_PREFIX[k] + label(base, lang)
    return col


YES_NO = {"vi": ("Có", "Không"), "en": ("Yes", "No")}


def yes_no(v: bool, lang: str = "vi") -> str:
    """``Có``/``Không`` (``Yes``/``No``) for a boolean."""
    return YES_NO[check_lang(lang)][0 if v else 1]


def value_label(key: object, v: object, lang: str = "vi") -> object:
    """A value of column or summary key ``key`` as shown to a reader: category, policy,
    regime, unit, confidence, status and binding codes labelled, booleans as ``Có``/``Không``;
    other values unchanged."""
    check_lang(lang)
    if isinstance(v, bool):
        return yes_no(v, lang)
    if not isinstance(v, str) or not isinstance(key, str):
        return v
    k = 0 if lang == "vi" else 1
    tables = [t.get(key) for t in (VALUE_LABELS, _RESULT_VALUE_LABELS, CATEGORY_LABELS)]
    table = {c: p for t in reversed(tables) if t for c, p in t.items()}
    if not table:
        return v
    if key == "binding" and "," in v:
        return ", ".join(table[p][k] if p in table else p for p in v.split(","))
    pair = table.get(v)
    return v if pair is None else pair[k]


@functools.cache
def _any_code_labels() -> dict[str, tuple[str, str]]:
    """Codes labelled whatever the column: category, policy and regime codes and indicator
    codes (for the keys of mapping-valued parameters: ``xa`` -> ``Xã``); where two tables
    name a code, the first (input categories) wins."""
    out: dict[str, tuple[str, str]] = {}
    tables = [*CATEGORY_LABELS.values(), *_RESULT_VALUE_LABELS.values(), _indicator_labels()]
    for table in tables:  # the first table naming a code wins (staff category before position)
        for code, pair in table.items():
            out.setdefault(code, pair)
    return out


def code_label(code: object, lang: str = "vi") -> object:
    """Label of a code that means one thing in every table (``xa`` -> ``Xã``, ``nd108`` ->
    ``NĐ 108/2014 và sửa đổi``, ``late_rate`` -> the indicator); other values unchanged."""
    check_lang(lang)
    if not isinstance(code, str):
        return code
    pair = _any_code_labels().get(code) or COLUMN_LABELS.get(code)
    return code if pair is None else pair[0 if lang == "vi" else 1]


def key_label(key: object, lang: str = "vi") -> object:
    """Label of a key inside a mapping value (a parameter's or the provenance's): the
    provenance and parameter-key labels first, then :func:`code_label`."""
    pair = PROVENANCE_LABELS.get(key) if isinstance(key, str) else None
    return code_label(key, lang) if pair is None else pair[0 if check_lang(lang) == "vi" else 1]


def provenance_label(key: str, lang: str = "vi") -> str:
    """Label of a provenance key; a dotted key (``scenario.target.share``) is labelled part
    by part and joined with ` › `. Parts without a label stay as they are."""
    check_lang(lang)
    k = 0 if lang == "vi" else 1
    parts = []
    for part in str(key).split("."):
        pair = PROVENANCE_LABELS.get(part) or COLUMN_LABELS.get(part)
        parts.append(part if pair is None else pair[k])
    return " › ".join(parts)


def text(vi: str, en: str, lang: str = "vi") -> str:
    """Pick the Vietnamese or English wording of a sentence."""
    return vi if check_lang(lang) == "vi" else en


def category_label(column: str, code: object, lang: str = "vi") -> object:
    """Label of a category code of ``column`` (``type``, ``zone``, ``category``, ``position``,
    ``sex``, ``grade``); other values are returned unchanged."""
    check_lang(lang)
    if not isinstance(code, str):
        return code
    return _category_label(column, code, lang)


def is_money(df: pd.DataFrame, col: object) -> bool:
    """Whether ``col`` of ``df`` holds VND amounts (a known money column with a numeric dtype)."""
    if col not in df.columns:
        return False
    dtype = df[col].dtype
    if col in _MONEY_WHEN_INT:
        return pd.api.types.is_integer_dtype(dtype)
    return (
        col in MONEY_COLUMNS
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    )


#: codes of result columns (not input categories) -> (Vietnamese, English)
_RESULT_VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "early_retirement": ("Nghỉ hưu trước tuổi", "Early retirement"),
        "resignation": ("Thôi việc", "Resignation"),
    },
    "policy": {
        "attrition": ("Nghỉ hưu tự nhiên", "Attrition"),
        "early_retirement": ("Nghỉ hưu trước tuổi", "Early retirement"),
        "resignation": ("Thôi việc", "Resignation"),
        "optimal": ("Tối ưu", "Optimal"),
    },
    "regime": {
        "nd108": ("NĐ 108/2014 và sửa đổi", "NĐ 108/2014 and amendments"),
        "nd178": ("NĐ 178/2024, NĐ 67/2025", "NĐ 178/2024, NĐ 67/2025"),
        "nd154": ("NĐ 154/2025", "NĐ 154/2025"),
    },
}


def relabel_values(df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy of ``df`` whose category columns show labels instead of codes."""
    check_lang(lang)
    out = df.copy()
    k = 0 if lang == "vi" else 1
    for col, table in {**CATEGORY_LABELS, **_RESULT_VALUE_LABELS}.items():
        if col in out.columns:
            s = out[col]
            if isinstance(s, pd.DataFrame):  # duplicated column names: leave them
                continue
            mapping = {code: pair[k] for code, pair in table.items()}
            out[col] = s.map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return out


def relabel(df: pd.DataFrame, lang: str = "vi", *, values: bool = True) -> pd.DataFrame:
    """A copy of ``df`` with labelled column names (and index name).

    Parameters
    ----------
    df : DataFrame
        A result table with the library's column names.
    lang : {"vi", "en"}
        Language of the labels.
    values : bool
        Also replace category codes in cells by their labels (``xa`` -> ``Xã``).
    """
    out = relabel_values(df, lang) if values else df.copy()
    out.columns = [label(c, lang) for c in out.columns]
    if out.index.name is not None:
        out.index.name = label(out.index.name, lang)
    return out


def workbook_values(df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy of ``df`` as a workbook shows it: :func:`relabel_values`, then the codes of
    :data:`VALUE_LABELS` (units, confidence, status, binding constraints, bands) labelled and
    booleans written ``Có``/``Không`` (``Yes``/``No``)."""
    out = relabel_values(df, lang)
    for col in out.columns:
        s = out[col]
        if isinstance(s, pd.DataFrame):  # duplicated column names: leave them
            continue
        if pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s.map(lambda v: yes_no(bool(v), lang) if pd.notna(v) else v).astype(object)
        elif col in VALUE_LABELS or (s.dtype == object and s.map(type).eq(bool).any()):
            out[col] = s.map(lambda v, c=col: value_label(c, v, lang))
    return out


def describe_params(params: pd.DataFrame | None, tree: Any) -> pd.DataFrame | None:
    """``params`` (the parameters used) with ``description_vi`` / ``description_en`` columns
    from the parameter tree ``tree`` (its YAML files' ``description``); unknown keys get ""."""
    if params is None or tree is None or "key" not in params.columns:
        return params
    if "description_vi" in params.columns:
        return params
    desc: dict[str, dict[str, str]] = {}
    for key in pd.unique(params["key"]):
        try:
            desc[key] = dict(tree.meta(key).get("description") or {})
        except KhoanError:  # a key the tree does not know: no description
            desc[key] = {}
    out = params.copy()
    out["description_vi"] = out["key"].map(lambda k: desc.get(k, {}).get("vi", ""))
    out["description_en"] = out["key"].map(lambda k: desc.get(k, {}).get("en", ""))
    return out


# --- the command line: short headers of terminal tables (cli-vi) ------------------------------
#: column name -> (Vietnamese, English) headers short enough for an 80-column terminal; a
#: ``\n`` splits a header over two lines. Money columns are shown in millions of đồng there.
SHORT_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Kịch bản", "Scenario"),
    "status": ("Kết quả", "Status"),
    "year": ("Năm", "Year"),
    "headcount_start": ("Đầu kỳ\n(người)", "Start\n(persons)"),
    "retirements": ("Nghỉ hưu\n(người)", "Retired\n(persons)"),
    "leavers": ("Tinh giản\n(người)", "Leavers\n(persons)"),
    "hires": ("Tuyển mới\n(người)", "Hires\n(persons)"),
    "headcount_end": ("Cuối kỳ\n(người)", "End\n(persons)"),
    "one_off_cost": ("Chi một lần\n(tr.đ)", "One-off\n(VND m)"),
    "recurring_savings": ("Tiết kiệm\n(tr.đ)", "Savings\n(VND m)"),
    "cumulative_net_savings": ("Ròng lũy kế\n(tr.đ)", "Cum. net\n(VND m)"),
    "payback_year": ("Hoàn vốn\n(năm)", "Payback\n(year)"),
    "share_reduced": ("Tỷ lệ\ntinh giản", "Share\nreduced"),
}
#: codes of a batch run's ``status`` column -> (Vietnamese, English)
STATUS_LABELS: dict[str, tuple[str, str]] = {"ok": ("xong", "ok"), "failed": ("lỗi", "failed")}


def short_label(col: object, lang: str = "vi") -> str:
    """Short header of a column for a terminal table (:data:`SHORT_LABELS`), else its
    :func:`label`."""
    pair = SHORT_LABELS.get(col) if isinstance(col, str) else None
    if pair is None:
        return label(col, lang)
    return pair[0] if check_lang(lang) == "vi" else pair[1]
