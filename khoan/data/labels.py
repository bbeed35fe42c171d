"""Vietnamese and English labels of the category codes used in input tables.

Input tables may use either the ASCII codes (``can_bo``) or the Vietnamese labels
(``Cán bộ``); readers map labels to codes, case-insensitively, after NFC normalisation.
Reports use the same tables to label codes in Vietnamese (default) or English.
"""

from __future__ import annotations

#: code -> (Vietnamese label, English label), per categorical column.
CATEGORY_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "type": {
        "xa": ("Xã", "Commune"),
        "phuong": ("Phường", "Ward"),
        "thi_tran": ("Thị trấn", "Town"),
        "dac_khu": ("Đặc khu", "Special zone"),
    },
    "zone": {
        "urban": ("Đô thị", "Urban"),
        "lowland": ("Đồng bằng", "Lowland"),
        "mountain": ("Miền núi, vùng sâu", "Mountain/remote"),
        "highland_island": ("Vùng cao, hải đảo", "Highland/island"),
    },
    "category": {
        "can_bo": ("Cán bộ", "Cadre"),
        "cong_chuc": ("Công chức", "Civil servant"),
        "nhdkct": ("Người hoạt động không chuyên trách", "Non-professional worker"),
        "hop_dong": ("Hợp đồng lao động", "Contract staff"),
    },
    "position": {
        "bi_thu": ("Bí thư Đảng ủy", "Party secretary"),
        "pho_bi_thu": ("Phó Bí thư Đảng ủy", "Deputy party secretary"),
        "chu_tich_hdnd": ("Chủ tịch HĐND", "People's Council chair"),
        "pho_chu_tich_hdnd": ("Phó Chủ tịch HĐND", "People's Council vice-chair"),
        "chu_tich_ubnd": ("Chủ tịch UBND", "People's Committee chair"),
        "pho_chu_tich_ubnd": ("Phó Chủ tịch UBND", "People's Committee vice-chair"),
        "chu_tich_mttq": ("Chủ tịch UB MTTQ", "Fatherland Front chair"),
        "truong_doan_the": ("Người đứng đầu đoàn thể", "Head of a mass organisation"),
        "truong_phong": ("Trưởng phòng (cấp xã)", "Head of a commune office"),
        "pho_truong_phong": ("Phó Trưởng phòng (cấp xã)", "Deputy head of a commune office"),
        "cong_chuc": ("Công chức chuyên môn", "Professional civil servant"),
        "nhdkct": ("Người hoạt động không chuyên trách", "Non-professional worker"),
        "hop_dong": ("Hợp đồng lao động", "Contract staff"),
    },
    "sex": {"M": ("Nam", "Male"), "F": ("Nữ", "Female")},
    "grade": {
        "A0": ("A0 (cao đẳng)", "A0"),
        "A1": ("A1 (chuyên viên)", "A1"),
        "B": ("B (cán sự)", "B"),
        "cadre_untrained": ("Cán bộ chưa qua đào tạo", "Untrained cadre"),
    },
    # annual quality rating, NĐ 90/2020/NĐ-CP Điều 2 (amended by NĐ 48/2023/NĐ-CP)
    "rating": {
        "xuat_sac": ("Hoàn thành xuất sắc nhiệm vụ", "Excellent"),
        "tot": ("Hoàn thành tốt nhiệm vụ", "Good"),
        "hoan_thanh": ("Hoàn thành nhiệm vụ", "Completed"),
        "khong_hoan_thanh": ("Không hoàn thành nhiệm vụ", "Not completed"),
    },
}

#: extra spellings accepted on input, per column (lower-case, NFC).
_ALIASES: dict[str, dict[str, str]] = {
    "category": {"nhđkct": "nhdkct", "hợp đồng": "hop_dong", "không chuyên trách": "nhdkct"},
    "sex": {"nam": "M", "nữ": "F", "male": "M", "female": "F", "m": "M", "f": "F"},
    "type": {"đặc khu": "dac_khu", "thị trấn": "thi_tran"},
    "rating": {
        "hoàn thành xuất sắc": "xuat_sac",
        "xuất sắc": "xuat_sac",
        "htxs": "xuat_sac",
        "hoàn thành tốt": "tot",
        "tốt": "tot",
        "httnv": "tot",
        "htnv": "hoan_thanh",
        "hoàn thành": "hoan_thanh",
        "không hoàn thành": "khong_hoan_thanh",
        "khtnv": "khong_hoan_thanh",
        "excellent": "xuat_sac",
        "good": "tot",
        "completed": "hoan_thanh",
        "not completed": "khong_hoan_thanh",
    },
}


def input_map(column: str) -> dict[str, str]:
    """Lower-case spelling -> code for a categorical column (codes and both labels)."""
    out: dict[str, str] = {}
    for code, (vi, en) in CATEGORY_LABELS.get(column, {}).items():
        out[code.lower()] = code
        out[vi.lower()] = code
        out[en.lower()] = code
    out.update(_ALIASES.get(column, {}))
    return out


def label(column: str, code: str, lang: str = "vi") -> str:
    """Label of ``code`` in ``lang`` (``vi`` or ``en``); unknown codes are returned unchanged."""
    pair = CATEGORY_LABELS.get(column, {}).get(code)
    if pair is None:
        return code
    return pair[0] if lang == "vi" else pair[1]
