"""Test data shared by the hostile-input tests: a valid stored record, and a workbook with
chosen parts replaced (the raw material of XLSX bombs and broken files)."""

from __future__ import annotations

import io
import zipfile


def record(mid: str = "IMP-H1", **kw) -> dict:
    """A stored record that passes every rule (a site in 任城区), with ``kw`` replacing fields."""
    base = {
        "id": mid,
        "action": 3,
        "title_zh": "测试",
        "title_en": "test",
        "summary_zh": "测试",
        "kind": "site",
        "form": "point",
        "place": "",
        "target": None,
        "target_unit": "",
        "year": 2020,
        "section": "都市区融合攻坚行动",
        "precision": "site",
        "precision_m": 50.0,
        "approximate": False,
        "county_adcodes": "370811",
        "county_sizes": "",
        "geometry_source": "test",
        "geometry": {"type": "Point", "coordinates": [116.6, 35.4]},
        "origin": "import",
    }
    base.update(kw)
    return base


def xlsx_with(parts: dict[str, bytes]) -> bytes:
    """A small workbook (项目名称, 所属行动; one row) with the given parts replacing, or added
    to, the ones openpyxl writes."""
    from openpyxl import Workbook

    buf = io.BytesIO()
    wb = Workbook()
    wb.active.append(["项目名称", "所属行动"])
    wb.active.append(["甲", "3"])
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item.filename, parts.get(item.filename, src.read(item.filename)))
        for name in set(parts) - set(src.namelist()):
            z.writestr(name, parts[name])
    return out.getvalue()
