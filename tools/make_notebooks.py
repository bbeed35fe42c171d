"""Write the analyst notebooks in ``notebooks/`` (clean JSON, no outputs).

    python tools/make_notebooks.py            # writes notebooks/01_... to 04_...
    python tools/make_notebooks.py --check    # fails if a notebook differs from this script

The notebooks are stored without outputs; the test suite executes them with nbmake
(``pytest notebooks``). Edit the cells here, not in Jupyter, and run this script again, so that
the committed JSON stays deterministic (fixed cell ids, no execution counts, no outputs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks"

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str):
    return new_markdown_cell(dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(dedent(text).strip("\n"))


# Shared first code cell: imports, display options, a temporary folder, a money formatter.
SETUP = """
%matplotlib inline
# (activate the inline backend before the first chart: khoan draws inside a matplotlib style
#  context, and a backend first activated inside it would stop later figures from showing)
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import khoan
from khoan.report import label, relabel, to_millions, vnd

pd.set_option("display.max_columns", 40)
pd.set_option("display.width", 200)

tmp = tempfile.TemporaryDirectory(prefix="khoan-{stem}-")  # every file goes here
out = Path(tmp.name)


def dong(x) -> str:
    \"\"\"An amount in đồng, written the Vietnamese way: 1.234.567 đồng.\"\"\"
    return f"{{vnd(x)}} đồng"


print("khoan", khoan.__version__, "— thư mục tạm / temporary folder:", out)
"""

CLEANUP = [
    md(
        """
        ## Dọn dẹp — clean up

        Xoá thư mục tạm. / Remove the temporary folder.
        """
    ),
    code(
        """
        plt.close("all")
        tmp.cleanup()
        """
    ),
]


# --------------------------------------------------------------------------------------------
# 01 quickstart


def nb01() -> list:
    return [
        md(
            """
            # 01 — Bắt đầu nhanh · Quickstart

            **Kinh phí khoán chi hành chính cấp xã** — the commune lump sum under the *khoán*
            regime, for one province and one year.

            Sổ tay này / this notebook:

            1. nạp mô hình mẫu Khánh Hòa 2016 — load the bundled Khánh Hòa 2016 model
               (132 communes; the staff roster is **synthetic**);
            2. đọc một tham số pháp lý và căn cứ của nó — read a legal parameter and its reference;
            3. tính bảng lương từng người — compute the payroll, one row per person;
            4. tính kinh phí khoán từng xã và toàn tỉnh — the lump sum per commune and province;
            5. vẽ biểu đồ, xuất Excel, và kiểm tra tổng — chart, workbook, and a reconciliation.

            **Đơn vị / units:** mọi số tiền là **đồng (VND) một năm**, số nguyên, trừ khi ghi
            khác — every amount is whole **đồng (VND) per year** unless stated. Tables marked
            *triệu đồng* are in millions of đồng (rounded so that the parts still add up to the
            total).
            """
        ),
        code(SETUP.format(stem="nb01")),
        md(
            """
            ## 1. Nạp mô hình — load the model

            Một *mô hình* là một thư mục: danh sách xã, danh sách nhân sự, chỉ tiêu đầu ra và
            tham số của tỉnh. / A *model* is a folder: communes, staff, output indicators and the
            province's parameters. `khoan.load("path")` loads your own; here the bundled example.
            """
        ),
        code(
            """
            model = khoan.examples.load("khanh_hoa_2016")
            model
            """
        ),
        code(
            """
            model.summary()  # counts: communes by type and class, staff by category (persons)
            """
        ),
        md(
            """
            ## 2. Tham số pháp lý — a legal parameter

            Mỗi giá trị có ngày hiệu lực, văn bản căn cứ và mức độ tin cậy. / Every value has
            its dates, its legal reference and a confidence tag (`confirmed`, `unconfirmed`,
            `illustrative`). Mức lương cơ sở từ 01/5/2016 / the base salary from 1 May 2016:
            """
        ),
        code(
            """
            e = model.params.entry("salary.base", "2016-05-01")
            print(f"Mức lương cơ sở / base salary : {dong(e.value)} một tháng ({e.unit})")
            print(f"Hiệu lực / in force           : {e.start} → {e.end}")
            print(f"Căn cứ / reference            : {e.reference}")
            print(f"Độ tin cậy / confidence       : {e.confidence}")
            """
        ),
        md(
            """
            ## 3. Bảng lương 2016 — payroll 2016

            Một dòng một người (chỉ số là mã nhân sự): lương, từng khoản phụ cấp, từng khoản
            đóng góp của đơn vị, **đồng/năm**. / One row per person (index: staff id): salary,
            each allowance, each employer contribution, in **VND/year**. `total` is exactly the
            sum of the components; `salary_fund_grade` (salary + position allowance) is a
            reference figure, not part of the total.
            """
        ),
        code(
            """
            pay = khoan.payroll(model, 2016)
            pay.head()
            """
        ),
        md(
            """
            Tổng từng khoản toàn tỉnh (đồng/năm) / province total of each component (VND/year):
            """
        ),
        code(
            """
            from khoan.payroll import COMPONENTS

            pay_totals = pay[[*COMPONENTS, "total"]].sum()
            pd.DataFrame(
                {
                    "Khoản / component": [label(c) for c in pay_totals.index],
                    "Đồng/năm / VND per year": [vnd(v) for v in pay_totals],
                },
                index=pay_totals.index,
            )
            """
        ),
        md(
            """
            Theo đối tượng, **triệu đồng/năm** / by staff category, **million VND/year**:
            """
        ),
        code(
            """
            by_category = pay.groupby("category", observed=True)[[*COMPONENTS, "total"]].sum()
            relabel(to_millions(by_category.reset_index(), list(COMPONENTS), total_col="total"))
            """
        ),
        md(
            """
            ## 4. Kinh phí khoán 2016 — lump sum 2016

            `khoan.budget` trả về một `BudgetResult`: bảng một dòng một xã, mỗi cột một thành
            phần, **đồng/năm**. / One row per commune, one column per component, VND/year:
            salaries and allowances of the roster, unfilled approved posts, contributions, the
            NHĐKCT and village allowance funds, the operating norm, purchases and repairs,
            special tasks, and `total` (their exact sum).
            """
        ),
        code(
            """
            b = khoan.budget(model, 2016)
            b  # summary and the first rows
            """
        ),
        code(
            """
            b.table.head(10)  # VND/year
            """
        ),
        md(
            """
            Cùng bảng, **triệu đồng**, nhãn tiếng Việt (như biểu mẫu dự toán) / the same table in
            **millions of đồng** with Vietnamese headers, as in budget forms:
            """
        ),
        code(
            """
            relabel(to_millions(b.table, total_col="total")).head(10)
            """
        ),
        md(
            """
            ## 5. Tổng toàn tỉnh — province totals

            Một dòng cho cả tỉnh, **đồng/năm**. / One row for the province, VND/year.
            """
        ),
        code(
            """
            province = b.province.iloc[0]
            pd.DataFrame(
                {
                    "Thành phần / component": [label(c) for c in province.index],
                    "Đồng/năm / VND per year": [vnd(v) for v in province],
                },
                index=province.index,
            )
            """
        ),
        code(
            """
            print(f"Tổng kinh phí khoán 2016 / total lump sum 2016: {dong(province['total'])} / năm")
            """
        ),
        md(
            """
            ## 6. Biểu đồ — chart

            Các xã có kinh phí lớn nhất, cột chồng theo thành phần (trục tiền theo triệu hoặc tỷ
            đồng, ghi trên trục). / The largest communes, stacked by component; the money axis
            says its unit (millions or billions of đồng). Every plot method returns a matplotlib
            `Axes` you can adjust and save.
            """
        ),
        code(
            """
            ax = b.plot.components()
            """
        ),
        md(
            """
            ## 7. Xuất Excel — workbook

            Sổ gồm bảng tổng hợp, bảng theo xã (có dòng Tổng cộng) và các tham số đã dùng kèm
            căn cứ pháp lý. / A summary sheet, the per-commune sheet with a totals row, and the
            parameters used with their legal references. Amounts are stored as whole đồng with
            the `#,##0` format, so they can be summed and pivoted in Excel.
            """
        ),
        code(
            """
            from openpyxl import load_workbook

            path = b.to_excel(out / "kinh_phi_khoan_2016.xlsx")
            wb = load_workbook(path, read_only=True)
            print(path.name, f"({path.stat().st_size:,} bytes)")
            print("Các sheet / sheets:", wb.sheetnames)
            wb.close()
            """
        ),
        md(
            """
            ## 8. Kiểm tra — check

            Tổng của mỗi xã bằng tổng các thành phần, tổng tỉnh bằng tổng các xã, và tổng lương
            từng người bằng tổng các khoản — đến từng đồng. / Each commune's total equals the sum
            of its components, the province total equals the sum of the communes, and each
            person's pay equals the sum of its components — to the đồng.
            """
        ),
        code(
            """
            parts = [c for c in b.table.columns if c not in ("code", "name", "total")]
            assert (b.table[parts].sum(axis=1) == b.table["total"]).all()
            assert b.table["total"].sum() == province["total"]
            assert b.table[parts].sum().sum() == province["total"]
            assert (pay[list(COMPONENTS)].sum(axis=1) == pay["total"]).all()
            print("Khớp / reconciled:", dong(province["total"]), "=", " + ".join(parts))
            """
        ),
        *CLEANUP,
    ]


# --------------------------------------------------------------------------------------------
# 02 output-based allocation


def nb02() -> list:
    return [
        md(
            """
            # 02 — Phân bổ theo kết quả đầu ra · Output-based allocation

            Đề xuất phân bổ tổng dự toán 2017 cho 132 đơn vị cấp xã của Khánh Hòa. / A proposal
            to share the 2017 envelope among Khánh Hòa's 132 communes.

            Các bước / steps:

            1. **điểm** — chỉ tiêu đầu ra 2016 → điểm thành phần → điểm tổng hợp / output
               indicators → sub-scores → composite score;
            2. **mục tiêu** — định mức + phần thưởng theo điểm / target = norm-based lump sum +
               a share of the envelope by score;
            3. **cận** — mức sàn bắt buộc (lương, đóng góp, phụ cấp theo luật) và hành lang ổn
               định ±15 % so với năm trước / mandatory floor and the ±15 % stability corridor
               around last year;
            4. **tối ưu** — tổng đúng bằng tổng dự toán, gần mục tiêu nhất (Pyomo + HiGHS) /
               allocations add up to the envelope exactly and stay as close to the targets as
               the bounds allow.

            **Đơn vị / units:** đồng (VND) một năm, trừ khi ghi khác / VND per year unless
            stated.
            """
        ),
        code(SETUP.format(stem="nb02")),
        code(
            """
            model = khoan.examples.load("khanh_hoa_2016")
            YEAR = 2017
            """
        ),
        md(
            """
            ## 1. Tổng dự toán — the envelope

            Tổng kinh phí khoán theo định mức năm 2017, cộng thêm 2 %. / The 2017 norm-based
            total, plus 2 % (integer arithmetic, whole đồng).
            """
        ),
        code(
            """
            norm_total = int(khoan.budget(model, YEAR).table["total"].sum())
            envelope = norm_total * 102 // 100
            print(f"Tổng theo định mức 2017 / norm-based total 2017 : {dong(norm_total)}")
            print(f"Tổng dự toán (+2 %) / envelope (+2 %)           : {dong(envelope)}")
            """
        ),
        md(
            """
            ## 2. Điểm kết quả đầu ra — output scores

            `build_problem` làm các bước 1–4 mà chưa giải. / `build_problem` does steps 1–4
            without solving. `inputs.audit` holds each indicator and its sub-score (the audit
            trail of the score); `inputs.frame` one row per commune: `score` (points), `norm`,
            `performance` (score × point value), `target`, `floor`, `lower`/`upper` (corridor),
            `last` (last year's allocation), all in VND/year.
            """
        ),
        code(
            """
            from khoan.allocate.api import build_problem

            inputs = build_problem(model, YEAR, envelope)
            print(f"Năm chỉ tiêu / indicator year: {inputs.options['score_year']}")
            print(f"Tỷ lệ theo điểm / performance share: {inputs.options['share']:.0%} of the envelope")
            print(f"Giá trị một điểm / value of one point: {dong(round(inputs.point_value))}")
            inputs.audit.head()
            """
        ),
        code(
            """
            inputs.frame.sort_values("score", ascending=False).head(10)
            """
        ),
        md(
            """
            ## 3. Phân bổ — allocate

            `khoan.allocate` chạy lại các bước trên và giải. / runs the same steps and solves.
            The result's `.scores` is the same audit table.
            """
        ),
        code(
            """
            a = khoan.allocate(model, YEAR, envelope)
            a
            """
        ),
        code(
            """
            assert a.scores.set_index("code").equals(inputs.audit)
            assert a.table["allocation"].sum() == envelope  # to the đồng
            d = a.diagnostics
            print(f"Tổng dự toán / envelope        : {dong(d['envelope'])}")
            print(f"Tổng mục tiêu / sum of targets : {dong(d['sum_targets'])}")
            print(f"Chênh lệch / gap               : {dong(d['gap'])}")
            print(f"Tổng mức sàn / sum of floors   : {dong(d['sum_floors'])}")
            print(f"Trạng thái / status            : {a.status}")
            """
        ),
        md(
            """
            Tổng mục tiêu vượt tổng dự toán: phần thưởng theo điểm là 5 % tổng dự toán, nhưng
            tổng dự toán chỉ hơn định mức 2 %. Mỗi xã vì thế nhận ít hơn mục tiêu một chút.
            / The targets add up to more than the envelope (the performance pool is 5 % of the
            envelope, the envelope only 2 % above the norm), so each commune gets a little less
            than its target.

            Theo xã, **triệu đồng/năm** / per commune, **million VND/year** (`change_pct` in %):
            """
        ),
        code(
            """
            cols = ["code", "name", "score", "target", "floor", "lower", "upper", "last", "allocation", "change", "change_pct", "binding"]
            money = ["target", "floor", "lower", "upper", "last", "allocation", "change"]
            relabel(to_millions(a.table[cols], money)).head(10)
            """
        ),
        md(
            """
            ## 4. Ràng buộc chặt và giá trị đối ngẫu — binding constraints and duals

            `binding` cho biết xã nào bị chặn ở mức sàn (`floor`), cận dưới (`lower`) hay cận
            trên (`upper`) của hành lang. / `binding` says which bound holds a commune.
            """
        ),
        code(
            """
            print("Số ràng buộc chặt / binding constraints:", d["binding"] or "không có / none")
            a.table.loc[a.table["binding"] != "", ["code", "name", "target", "allocation", "binding"]]
            """
        ),
        md(
            """
            Ở mức +2 % không xã nào chạm cận: mọi xã nhận cùng một tỷ lệ so với mục tiêu. / At
            +2 % no commune is at a bound: every commune gets the same fraction of its target.

            **Giá trị đối ngẫu / dual of the envelope:** đạo hàm của hàm mục tiêu Σ (x − t)² / t
            (đơn vị: đồng) theo tổng dự toán — thay đổi của độ lệch khi thêm 1 đồng. Âm: tổng dự
            toán đang thiếu so với mục tiêu, thêm tiền làm độ lệch giảm. / The derivative of the
            objective Σ (x − t)² / t (in VND) with respect to the envelope: negative while the
            envelope is short of the targets — one more đồng reduces the deviation by that much.
            """
        ),
        code(
            """
            print(a.duals)
            dual = a.duals["envelope"]
            print(f"Thêm 1 tỷ đồng tổng dự toán / 1 billion VND more: objective changes by {dong(round(dual * 1e9))}")
            print(f"Hàm mục tiêu / objective: {dong(round(a.objective))}")
            """
        ),
        md(
            """
            ## 5. Biểu đồ — charts

            Mục tiêu và phân bổ của 30 xã lớn nhất; rồi mức thay đổi so với năm trước (%), với
            hành lang ±15 % (đường đứt). / Target vs allocation of the 30 largest communes; then
            the change against last year (%) with the ±15 % corridor (dashed).
            """
        ),
        code(
            """
            ax = a.plot.allocation_vs_target()
            """
        ),
        code(
            """
            ax = a.plot.change()
            """
        ),
        md(
            """
            ## 6. Tổng dự toán không đủ — an infeasible envelope

            Khi tổng dự toán không đủ cho mức sàn và hành lang, khoan dừng trước khi giải và nói
            thiếu bao nhiêu đồng, do những xã nào. / When the envelope cannot cover the floors
            and the corridor, khoan stops before solving and says by how many đồng, and which
            communes weigh most. Here: 75 % of the norm-based total.
            """
        ),
        code(
            """
            too_small = norm_total * 75 // 100
            try:
                khoan.allocate(model, YEAR, too_small)
            except khoan.InfeasibleError as err:
                print(f"Tổng dự toán / envelope {dong(too_small)}:\\n")
                print(err)
                print(f"\\nThiếu / shortfall: {dong(round(err.shortfall))}; xã / communes: {err.communes}")
            else:
                raise AssertionError("expected an InfeasibleError")
            """
        ),
        md(
            """
            ## 7. Mức sàn cho nhóm xã miền núi — a group floor for mountain communes

            Giả sử tỉnh quyết định các xã miền núi (`zone == "mountain"`) cùng nhận ít nhất tổng
            mục tiêu của nhóm. / Suppose the province decides that the mountain communes
            together receive at least their combined target, although the envelope is short.
            `group_floor={("zone", "mountain"): amount}` (VND/year).
            """
        ),
        code(
            """
            zones = model.communes.set_index("code")["zone"]
            mountain = a.table["code"].map(zones).eq("mountain")
            mountain_target = int(a.table.loc[mountain, "target"].sum())
            print(f"Xã miền núi / mountain communes : {int(mountain.sum())}")
            print(f"Phân bổ hiện tại / now          : {dong(a.table.loc[mountain, 'allocation'].sum())}")
            print(f"Mức sàn nhóm / group floor      : {dong(mountain_target)}")

            g = khoan.allocate(model, YEAR, envelope, group_floor={("zone", "mountain"): mountain_target})
            g_mountain = int(g.table.loc[mountain, "allocation"].sum())
            assert g_mountain >= mountain_target and g.table["allocation"].sum() == envelope
            print(f"Phân bổ với mức sàn / with the floor: {dong(g_mountain)}")
            print("Ràng buộc chặt / binding:", g.diagnostics["binding"])
            print("Đối ngẫu / duals:", g.duals)
            """
        ),
        md(
            """
            Mức sàn nhóm chặt (đối ngẫu dương): nâng nó thêm 1 đồng làm độ lệch tăng chừng ấy;
            phần thêm cho miền núi lấy từ các xã khác. / The group floor binds (positive dual):
            raising it by one đồng raises the deviation by about that much; what the mountain
            communes gain, the others lose:
            """
        ),
        code(
            """
            compare = pd.DataFrame(
                {
                    "không sàn / no floor": a.table.groupby(a.table["code"].map(zones))["allocation"].sum(),
                    "có sàn / with floor": g.table.groupby(g.table["code"].map(zones))["allocation"].sum(),
                }
            )
            compare["chênh lệch / difference"] = compare.iloc[:, 1] - compare.iloc[:, 0]
            compare.loc["total"] = compare.sum()
            compare.map(vnd)  # VND/year
            """
        ),
        md(
            """
            ## 8. Quét tổng dự toán — an envelope sweep with `AllocationModel`

            `khoan.AllocationModel` dựng mô hình tối ưu một lần và giải lại với dữ liệu mới. /
            builds the optimisation model once and re-solves it with new data (`update`, then
            `solve`). Mục tiêu phụ thuộc tổng dự toán (phần thưởng = 5 % tổng dự toán), nên mỗi
            điểm cập nhật cả tổng dự toán và mục tiêu. / The targets depend on the envelope (the
            performance pool is a share of it), so each point updates both, with the same rule
            as `khoan.allocate` (`rule_targets`). An envelope the corridor cannot hold is
            reported, not solved.
            """
        ),
        code(
            """
            import numpy as np

            from khoan.allocate.targets import rule_targets

            frame = inputs.frame.set_index("code")
            share = inputs.options["share"]
            am = khoan.AllocationModel(inputs.problem)

            rows = []
            for pct in range(96, 112, 2):
                E = norm_total * pct // 100
                targets = rule_targets(frame["norm"], frame["score"], E, share)["target"].to_numpy()
                row = {"% of norm": pct, "envelope": E, "sum_targets": round(targets.sum())}
                try:
                    r = am.update(envelope=E, target=targets).solve()
                except khoan.InfeasibleError as err:
                    row.update(status="infeasible", shortfall=round(err.shortfall))
                else:
                    assert r.total == E
                    binding = [c for bs in r.binding for c in bs]
                    row.update(
                        status=r.status,
                        envelope_dual=r.duals["envelope"],
                        at_upper=binding.count("upper"),
                        at_lower=binding.count("lower"),
                        at_floor=binding.count("floor"),
                    )
                rows.append(row)
            sweep = pd.DataFrame(rows).set_index("% of norm")
            counts = {c: "{:.0f}" for c in ("at_upper", "at_lower", "at_floor")}
            money = {c: vnd for c in ("envelope", "sum_targets", "shortfall")}  # VND/year
            sweep.style.format({**money, **counts, "envelope_dual": "{:.4f}"}, na_rep="")
            """
        ),
        md(
            """
            Kiểm tra: điểm +2 % giống hệt `khoan.allocate` ở trên, đến từng đồng. / Check: the
            +2 % point is the allocation of `khoan.allocate` above, to the đồng.
            """
        ),
        code(
            """
            r = am.update(envelope=envelope, target=inputs.problem.target).solve()
            assert np.array_equal(r.allocation, a.table["allocation"].to_numpy())
            print("Khớp / identical:", dong(r.total))
            """
        ),
        code(
            """
            ok = sweep[sweep["status"] == "optimal"]
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(ok["envelope"] / 1e9, ok["envelope_dual"], marker="o")
            ax.axhline(0, color="grey", linewidth=0.8)
            ax.set_xlabel("Tổng dự toán (tỷ đồng) / envelope (billion VND)")
            ax.set_ylabel("Đối ngẫu / dual (VND per VND)")
            ax.set_title("Giá trị biên của tổng dự toán / marginal value of the envelope")
            plt.show()
            """
        ),
        md(
            """
            Đối ngẫu đổi dấu khi tổng dự toán vượt tổng mục tiêu; từ khoảng 108 % định mức, cận
            trên của hành lang (+15 % so với 2016) không chứa nổi tổng dự toán. / The dual changes
            sign once the envelope exceeds the targets; from about 108 % of the norm the
            corridor's upper bounds (+15 % on 2016) cannot hold the envelope.
            """
        ),
        *CLEANUP,
    ]


# --------------------------------------------------------------------------------------------
# 03 staff reduction


def nb03() -> list:
    return [
        md(
            """
            # 03 — Tinh giản biên chế · Staff reduction

            Chi phí và tiết kiệm của kịch bản NQ 39-NQ/TW: giảm ít nhất 10 % cán bộ, công chức
            cấp xã từ 2015 đến 2021 (Khánh Hòa 2016–2020). / Cost and savings of the NQ 39
            scenario: at least 10 % fewer commune cadres and civil servants by 2021 than in
            2015.

            - ai nghỉ, khi nào, được hưởng bao nhiêu (NĐ 108/2014 và các văn bản sửa đổi) / who
              leaves, when, and the one-off benefits they are paid;
            - tiết kiệm lương hằng năm, kinh phí khoán, tiết kiệm ròng lũy kế / recurring
              savings, the lump sum, cumulative net savings;
            - biên chế giao giảm theo, hay giữ nguyên để xã tăng thu nhập (TNTT) / the approved
              staffing falls, or is kept and the communes raise incomes (TNTT).

            **Đơn vị / units:** tiền là đồng (VND) — một năm với các dòng theo năm, một lần với
            trợ cấp; người là số người. / money in VND (per year in yearly rows, one-off for
            benefits); headcounts in persons. The roster is **synthetic**.
            """
        ),
        code(SETUP.format(stem="nb03")),
        md(
            """
            ## 1. Kịch bản — scenarios

            Các kịch bản được đặt tên trong `scenarios.toml` của mô hình. / Named in the model's
            `scenarios.toml`.
            """
        ),
        code(
            """
            model = khoan.examples.load("khanh_hoa_2016")
            scenarios = khoan.load_scenarios(model.path)
            pd.DataFrame(
                {
                    "policy": [s.policy for s in scenarios.values()],
                    "years": [f"{s.years[0]}–{s.years[1]}" for s in scenarios.values()],
                    "title": [s.title for s in scenarios.values()],
                },
                index=pd.Index(list(scenarios), name="name"),
            )
            """
        ),
        code(
            """
            nq39 = scenarios["nq39_10pct"]
            nq39
            """
        ),
        md(
            """
            ## 2. Mô phỏng — simulate

            Mỗi năm: người nghỉ hưu (không thay, trừ vị trí bầu cử bắt buộc), người nghỉ theo
            chính sách để đạt lộ trình mục tiêu, so với kịch bản gốc không tinh giản. / Each year:
            retirements (not replaced, except must-fill elected posts) and policy leavers along
            the target path, against a baseline without reduction.
            """
        ),
        code(
            """
            s = khoan.simulate(model, nq39)
            s
            """
        ),
        md(
            """
            ### Theo năm: người — by year: persons
            """
        ),
        code(
            """
            people_cols = ["headcount_start", "retirements", "leavers", "hires", "headcount_end",
                           "baseline_headcount_end", "approved_posts", "target_reduction", "reduction", "target_gap"]
            relabel(s.by_year[people_cols]).T
            """
        ),
        md(
            """
            ### Theo năm: tiền, triệu đồng — by year: money, million VND

            `recurring_savings` lương tiết kiệm so với gốc (đồng/năm); `one_off_cost` trợ cấp
            trả một lần cho người nghỉ; `net_savings` = tiết kiệm − trợ cấp;
            `state_savings` phần kinh phí khoán ngân sách giảm được; `commune_kept` phần xã giữ
            lại để tăng thu nhập. / recurring pay saved against the baseline, one-off benefits,
            net savings, the fall in the lump sum (State savings) and what the communes keep.
            """
        ),
        code(
            """
            money_cols = ["payroll_total", "baseline_payroll_total", "recurring_savings", "one_off_cost",
                          "net_savings", "cumulative_net_savings", "lump_sum", "baseline_lump_sum",
                          "state_savings", "state_net_savings", "cumulative_state_net_savings", "commune_kept"]
            relabel(to_millions(s.by_year[money_cols], money_cols)).T
            """
        ),
        code(
            """
            by = s.by_year
            assert (by["net_savings"] == by["recurring_savings"] - by["one_off_cost"]).all()
            assert (by["cumulative_net_savings"] == by["net_savings"].cumsum()).all()
            summ = s.summary()
            print(f"Số người / headcount      : {summ['headcount_start']} → {summ['headcount_end']} người ({summ['share_reduced']:.1%})")
            print(f"Trợ cấp một lần / one-off : {dong(summ['one_off_cost'])}")
            print(f"Tiết kiệm ròng lũy kế / cumulative net savings {nq39.years[1]}: {dong(summ['cumulative_net_savings'])}")
            print(f"Năm hoàn vốn / payback year: {summ['payback_year']}")
            """
        ),
        md(
            """
            ## 3. Người nghỉ và trợ cấp — leavers and their benefits

            Một dòng một người nghỉ: hình thức (nghỉ hưu trước tuổi / thôi việc), số tháng nghỉ
            sớm, số năm đóng BHXH, lương tháng (đồng/tháng) và từng khoản trợ cấp (đồng, một lần).
            / One row per leaver: kind, months early, insured years, monthly salary (VND/month)
            and each benefit component (VND, one-off); `total` is their exact sum.
            """
        ),
        code(
            """
            s.leavers.head()
            """
        ),
        code(
            """
            from khoan.benefits import COMPONENTS as BENEFIT_PARTS

            parts = list(dict.fromkeys(BENEFIT_PARTS["early_retirement"] + BENEFIT_PARTS["resignation"]))
            assert (s.leavers[parts].sum(axis=1) == s.leavers["total"]).all()
            by_kind = s.leavers.groupby("kind")[[*parts, "total"]].sum()
            by_kind.insert(0, "persons", s.leavers.groupby("kind").size())
            by_kind = by_kind.loc[:, (by_kind != 0).any()]
            print("Trợ cấp theo hình thức, đồng / benefits by kind, VND:")
            by_kind.map(vnd)
            """
        ),
        md(
            """
            ## 4. Biểu đồ — charts

            Số người theo năm; thác nước tiết kiệm ròng; tiết kiệm ròng lũy kế. / Headcount by
            year; net savings waterfall; cumulative net savings.
            """
        ),
        code(
            """
            ax = s.plot.headcount()
            """
        ),
        code(
            """
            ax = s.plot.waterfall()
            """
        ),
        code(
            """
            ax = s.plot.cumulative()
            """
        ),
        md(
            """
            ## 5. Biên chế giao giảm, hay giữ nguyên? — approved staffing falls, or is kept?

            Cùng số người nghỉ. / The same people leave in both.

            - `nq39_10pct`: biên chế giao giảm theo, kinh phí khoán giảm — **ngân sách tiết
              kiệm**. / the approved staffing falls with the headcount, so does the lump sum:
              the **State** saves.
            - `nq39_10pct_kept`: biên chế giao giữ nguyên, kinh phí khoán giữ nguyên — **xã giữ
              phần tiết kiệm** để tăng thu nhập (TNTT). / the approved staffing and the lump sum
              stay: the **communes** keep the savings and pay more income increase.
            """
        ),
        code(
            """
            kept = khoan.simulate(model, scenarios["nq39_10pct_kept"])
            keys = ["headcount_end", "leavers", "one_off_cost", "recurring_savings", "cumulative_net_savings",
                    "state_savings", "cumulative_state_net_savings", "state_payback_year",
                    "tntt_per_person", "baseline_tntt_per_person"]
            money_keys = {"one_off_cost", "recurring_savings", "cumulative_net_savings", "state_savings",
                          "cumulative_state_net_savings", "tntt_per_person", "baseline_tntt_per_person"}
            both = pd.DataFrame(
                {
                    col: [vnd(r.summary()[k]) if k in money_keys else r.summary()[k] for k in keys]
                    for col, r in (("giảm / falls", s), ("giữ / kept", kept))
                },
                index=[label(k) for k in keys],
            )
            both  # VND; tntt_per_person in VND per person per year; headcounts in persons
            """
        ),
        code(
            """
            from khoan.report import plots

            lines = pd.DataFrame(
                {
                    "giảm / falls": s.by_year["cumulative_state_net_savings"],
                    "giữ / kept": kept.by_year["cumulative_state_net_savings"],
                }
            )
            ax = plots.line(lines, title="Tiết kiệm ròng lũy kế của ngân sách / cumulative State net savings")
            """
        ),
        md(
            """
            Cùng một mức tiết kiệm lương, nhưng khi giữ biên chế thì ngân sách tiết kiệm ít hơn
            nhiều và hoàn vốn muộn hơn, còn xã dùng phần giữ lại để tăng thu nhập cho người ở lại.
            / The same pay is saved, but when the staffing is kept the State saves much less and
            recovers the one-off cost later, while the communes use what they keep to raise the
            income of those who stay:
        """
        ),
        code(
            """
            fs, ks = s.summary(), kept.summary()
            print(f"Tiết kiệm ròng lũy kế của ngân sách / cumulative State net savings 2020: "
                  f"{dong(fs['cumulative_state_net_savings'])} (giảm / falls) vs "
                  f"{dong(ks['cumulative_state_net_savings'])} (giữ / kept)")
            print(f"Thu nhập tăng thêm / income increase per person 2020: {dong(fs['tntt_per_person'])} vs "
                  f"{dong(ks['tntt_per_person'])} một năm (×{ks['tntt_per_person'] / fs['tntt_per_person']:.1f})")
            """
        ),
        md(
            """

            ## 6. Tính trợ cấp cho một người — benefits of one person, by hand

            Ông A, sinh 10/02/1959, đóng BHXH từ 01/09/1985, hệ số lương 3,66 + phụ cấp chức vụ
            0,20, nghỉ hưu trước tuổi ngày 01/07/2016 theo NĐ 108/2014. / Mr A, born 10 Feb 1959,
            insured since 1 Sep 1985, coefficient 3.66 + position 0.20, retires early on 1 July
            2016 under NĐ 108/2014. Bà B (born 1980) is there to show a refusal.
            """
        ),
        code(
            """
            base_salary = model.params.value("salary.base", "2016-07-01")  # VND/month
            monthly = round((3.66 + 0.20) * base_salary)
            people = pd.DataFrame(
                {
                    "id": ["A", "B"],
                    "sex": ["M", "F"],
                    "birth_date": ["1959-02-10", "1980-05-20"],
                    "insured_since": ["1985-09-01", "2005-01-01"],
                    "monthly_salary": [monthly, monthly],  # VND/month
                }
            )
            ben = khoan.benefits.compute("nd108", "early_retirement", people, on="2016-07-01")
            print(f"Lương tháng / monthly salary: (3,66 + 0,20) × {dong(base_salary)} = {dong(monthly)}")
            ben.T
            """
        ),
        md(
            """
            Cách tính cho ông A / the arithmetic for Mr A:

            - Tuổi nghỉ hưu 60 (nam, trước 2021) → đủ tuổi tháng 2/2019, hưởng lương hưu từ
              **01/03/2019**. / Retirement age 60 → pension from 1 March 2019.
            - Nghỉ sớm 01/07/2016 → 01/03/2019 = **32 tháng** = 2 năm 8 tháng; 7–11 tháng lẻ tính
              một năm → **3 năm**; 24–60 tháng thuộc nhóm `2_5`. / 32 months early = 2 years 8
              months, rounded to 3 years (7–11 odd months count as a whole year), band 2–5
              years.
            - Đóng BHXH 01/09/1985 → 01/07/2016 = 30 năm 10 tháng → **31 năm**. / 31 insured years.
            - Trợ cấp / benefits (months of salary):
              - `early_years` = 3 tháng × 3 năm = **9 tháng** / 3 months per year early × 3 years;
              - `insured_first` = **5 tháng** cho 20 năm đầu / 5 months for the first 20 years;
              - `insured_further` = 0,5 × (31 − 20) = **5,5 tháng** / half a month per further year;
              - tổng / total = 19,5 tháng lương / 19.5 months of salary.

            Bà B còn hơn 5 năm mới đến tuổi nghỉ hưu nên không thuộc diện (`eligible = False`,
            `reason` nói rõ). / Ms B is more than five years from the retirement age, so she is
            not eligible and every amount is 0.
            """
        ),
        code(
            """
            import numpy as np


            def months_of_salary(m):
                return int(np.floor(m * monthly + 0.5))  # rounded half up to whole đồng, as khoan does


            a_row = ben.loc["A"]
            assert a_row["months_early"] == 32 and a_row["years_early"] == 3.0 and a_row["insured_years"] == 31.0
            assert a_row["early_years"] == months_of_salary(3 * 3)
            assert a_row["insured_first"] == months_of_salary(5)
            assert a_row["insured_further"] == months_of_salary(0.5 * (31 - 20))
            assert a_row["total"] == a_row["early_years"] + a_row["insured_first"] + a_row["insured_further"]
            assert not ben.loc["B", "eligible"] and ben.loc["B", "total"] == 0
            print(f"Ông A / Mr A: 9 + 5 + 5,5 = 19,5 tháng × {dong(monthly)} = {dong(a_row['total'])}")
            print(f"Bà B / Ms B : {ben.loc['B', 'reason']}")
            """
        ),
        md(
            """
            ## 7. Thay đổi tham số cho một kịch bản — an override

            Lương cơ sở dự kiến tăng lên 1.600.000 đồng/tháng từ 01/07/2020 (đã hoãn). Nếu đã
            tăng thì sao? / The base salary was to rise to 1,600,000 VND/month on 1 July 2020
            (postponed). What if it had? A `khoan.Override` adds that dated value for this
            scenario only; the change is logged in the result's provenance.
            """
        ),
        code(
            """
            raise_2020 = khoan.Override(
                "luong_co_so_2020",
                {"salary.base": {"2020-07-01": 1_600_000}},
                "Lương cơ sở 1.600.000 đồng/tháng từ 01/7/2020 (dự kiến, đã hoãn)",
            )
            nq39_raise = nq39.with_(name="nq39_10pct_luong_2020", overrides=(*nq39.overrides, raise_2020))
            s_raise = khoan.simulate(model, nq39_raise)
            print(s_raise.provenance["overrides_log"])
            """
        ),
        code(
            """
            keys = ["one_off_cost", "recurring_savings", "cumulative_net_savings", "state_savings", "tntt_per_person"]
            cmp = pd.DataFrame({"luật hiện hành / law": s.summary(), "tăng lương 2020 / raise 2020": s_raise.summary()}).loc[keys]
            cmp["chênh lệch / difference"] = cmp.iloc[:, 1] - cmp.iloc[:, 0]
            cmp.index = [label(k) for k in keys]
            cmp.map(vnd)  # VND; tntt_per_person in VND per person per year
            """
        ),
        md(
            """
            Trợ cấp một lần không đổi (người nghỉ trước 7/2020 được tính theo lương lúc nghỉ);
            phần lương tiết kiệm năm 2020 lớn hơn. / The one-off benefits do not change (they
            depend on pay when leaving, before July 2020); the pay saved in 2020 is larger.
            """
        ),
        *CLEANUP,
    ]


# --------------------------------------------------------------------------------------------
# 04 batch on Dask


def nb04() -> list:
    return [
        md(
            """
            # 04 — Chạy nhiều kịch bản trên Dask · Batch scenarios on a Dask cluster

            Một lưới nhỏ 8 kịch bản quanh NQ 39, chạy song song trên một cụm Dask cục bộ (2 tiến
            trình), kết quả ghi vào thư mục. / A small grid of 8 scenarios around NQ 39, run in
            parallel on a local Dask cluster (2 worker processes), results written to a folder.
            The same call runs on a real cluster: pass its `Client` (or `khoan run ...
            --scheduler tcp://host:8786` on the command line).

            **Đơn vị / units:** tiền là đồng (VND), người là số người. / money in VND, headcounts
            in persons.
            """
        ),
        code(SETUP.format(stem="nb04")),
        md(
            """
            ## 1. Lưới kịch bản — the grid

            `khoan.grid` lấy tích Descartes của các trường quanh một kịch bản gốc. / takes the
            Cartesian product of fields around a base scenario:

            - `kinds`: nghỉ hưu trước tuổi rồi thôi việc, hoặc chỉ thôi việc / early retirement
              then resignation, or resignation only;
            - `target`: giảm 5 % hoặc 10 % so với 2015 đến hết 2020 / 5 % or 10 % fewer than in
              2015 by the end of 2020;
            - `approved_falls`: biên chế giao giảm theo (ngân sách tiết kiệm) hay giữ nguyên (xã
              giữ tiết kiệm) / the approved staffing falls, or is kept.
            """
        ),
        code(
            """
            pd.set_option("display.max_colwidth", 70)  # scenario names in full
            model = khoan.examples.load("khanh_hoa_2016")
            base = khoan.load_scenarios(model.path)["nq39_10pct"]


            def cut(share):
                return khoan.Target(share=share, base_year=base.target.base_year, by=2020)


            scenarios = khoan.grid(
                base,
                name="{kinds}-{target}-falls_{approved_falls}",
                kinds=[("early_retirement", "resignation"), ("resignation",)],
                target=[cut(0.05), cut(0.10)],
                approved_falls=[True, False],
            )
            assert len(scenarios) == 8
            pd.DataFrame(
                {
                    "kinds": [" + ".join(s.kinds) for s in scenarios],
                    "target share": [s.target.share for s in scenarios],
                    "approved_falls": [s.approved_falls for s in scenarios],
                },
                index=pd.Index([s.name for s in scenarios], name="name"),
            )
            """
        ),
        md(
            """
            ## 2. Chạy trên cụm Dask cục bộ — run on a local Dask cluster

            Cụm được mở và đóng trong khối `with`. Mô hình được gửi một lần đến mỗi tiến trình;
            mỗi kịch bản ghi bảng Parquet, `manifest.json` ghi nguồn gốc và thời gian. / The
            cluster is started and closed by the `with` blocks. The model is sent once to each
            worker; each scenario's tables are written as Parquet, with `manifest.json`
            (provenance, timings) and `summary.csv` / `summary.xlsx`.
            """
        ),
        code(
            """
            import time

            from dask.distributed import Client, LocalCluster

            runs = out / "ket_qua"
            t0 = time.perf_counter()
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                with Client(cluster) as client:
                    batch = khoan.run_batch(model, scenarios, out=runs, executor=client, progress=False)
            print(f"{len(scenarios)} kịch bản / scenarios in {time.perf_counter() - t0:.1f} s "
                  f"(including starting the cluster)")
            batch
            """
        ),
        code(
            """
            assert batch.ok, batch.errors
            print("Tệp / files:", sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")))
            print("Thư mục kịch bản / scenario folders:", len(list((runs / "scenarios").iterdir())))
            print("Tiến trình / executor:", batch.provenance.get("executor"), "—", batch.provenance.get("counts"))
            """
        ),
        md(
            """
            ## 3. Bảng kết quả — the table

            Một dòng một kịch bản. / One row per scenario. Money in **VND**: `one_off_cost`
            (one-off benefits), `cumulative_net_savings` (pay saved − benefits, 2016–2020),
            `cumulative_state_net_savings` (fall in the lump sum − benefits), `tntt_per_person`
            (income increase per remaining person in 2020, VND/year).
            """
        ),
        code(
            """
            cols = ["name", "status", "headcount_end", "leavers", "target_met", "one_off_cost",
                    "cumulative_net_savings", "cumulative_state_net_savings", "state_payback_year", "tntt_per_person"]
            batch.table[cols]
            """
        ),
        code(
            """
            money = ["one_off_cost", "cumulative_net_savings", "cumulative_state_net_savings", "tntt_per_person"]
            relabel(to_millions(batch.table[cols], money).set_index("name"))  # million VND
            """
        ),
        md(
            """
            Chỉ thôi việc rẻ hơn nhiều về trợ cấp một lần, và đạt cùng mức giảm. / Resignation
            alone costs far less in one-off benefits for the same cut (those who resign have
            short service); early retirement pays those close to retirement several months of
            salary per year early.

            ## 4. So sánh — compare

            Một cột của bảng (một thanh mỗi kịch bản), hoặc một cột của bảng theo năm (một đường
            mỗi kịch bản). / A column of the table (one bar per scenario), or a column of the
            scenarios' `by_year` tables (one line per scenario): the one-off benefits, then the
            lump sum by year, which falls further where the approved staffing falls.
            """
        ),
        code(
            """
            ax = batch.compare("one_off_cost")  # a column of the table: one bar per scenario
            """
        ),
        code(
            """
            ax = batch.compare("lump_sum")  # a column of by_year: one line per scenario
            """
        ),
        code(
            """
            name = scenarios[2].name
            print(name)
            batch.results[name].by_year[["headcount_end", "one_off_cost", "net_savings"]]
            """
        ),
        md(
            """
            ## 5. Chạy lại — resume

            Chạy lại vào cùng thư mục chỉ tính những kịch bản thiếu, lỗi hoặc đã đổi đầu vào; ở
            đây không có gì để tính (không cần cụm). / Running again into the same folder only
            computes what is missing, failed or changed: here nothing (no cluster needed).
            """
        ),
        code(
            """
            again = khoan.run_batch(model, scenarios, out=runs, progress=False)
            print(again.provenance["counts"])
            assert again.provenance["counts"]["reused"] == len(scenarios)
            assert again.table[cols].equals(batch.table[cols])
            """
        ),
        code(
            """
            path = batch.to_excel(out / "so_sanh_kich_ban.xlsx")
            print(path.name, f"({path.stat().st_size:,} bytes)")
            """
        ),
        *CLEANUP,
    ]


NOTEBOOKS = {
    "01_quickstart.ipynb": nb01,
    "02_output_based_allocation.ipynb": nb02,
    "03_staff_reduction.ipynb": nb03,
    "04_batch_dask.ipynb": nb04,
}


def build(stem: str, cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells, metadata=METADATA)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:2]}-{i:02d}"  # deterministic ids: the JSON does not change on rerun
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    stale = []
    for name, make in NOTEBOOKS.items():
        text = render(build(name, make()))
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    if stale:
        print("out of date (run python tools/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
