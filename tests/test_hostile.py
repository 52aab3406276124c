"""Hostile input: every way in is validated, bounded and shown as text; nothing saved is lost.

Each class of input from the adversarial review gets a test: it is refused or handled,
what was saved before survives, every tab of the app still loads and every export still
succeeds. Bombs are generated here, small on disk, and read in a child process with a
memory cap and a time limit.
"""

import io
import json
import math
import resource
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from layers import load_projects
from layers.changes import apply_store, record_from_row
from layers.importer import ImportFileError, read_table, review_import
from layers.store import Store
from layers.validate import InvalidRecordError, check_record, split_valid

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TABS = ("地图", "统计", "登记表", "导出", "导入与更正")


def rec(mid="IMP-H1", **kw):
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


POISON = {
    "year 1e20": {"year": 1e20},
    "year 1e300": {"year": 1e300},
    "target inf": {"target": math.inf},
    "swapped GK → inf": {"geometry": {"type": "Point", "coordinates": [math.inf, math.inf]}},
    "nan point": {"geometry": {"type": "Point", "coordinates": [math.nan, math.nan]}},
    "south pole": {"geometry": {"type": "Point", "coordinates": [116.6, -90.0]}},
    "null island": {"geometry": {"type": "Point", "coordinates": [0.0, 0.0]}},
    "antimeridian": {"geometry": {"type": "Point", "coordinates": [180.0, 35.0]}},
    "1e400 polygon": {"geometry": {"type": "Polygon", "coordinates": [[[1e400, 0], [1, 1], [0, 1], [1e400, 0]]]}},
    "world polygon": {
        "geometry": {"type": "Polygon", "coordinates": [[[-179, -89], [179, -89], [179, 89], [-179, 89], [-179, -89]]]}
    },
    "huge line": {"geometry": {"type": "LineString", "coordinates": [[116.5 + i * 1e-6, 35.4] for i in range(30_000)]}},
    "action 99": {"action": 99},
    "long title": {"title_zh": "长" * 5000},
    "bad id": {"id": "a b/c"},
}


@pytest.mark.parametrize("name", list(POISON))
def test_the_store_refuses_poison_and_keeps_what_was_saved(isolated_store, name):
    with Store(isolated_store) as s:
        s.save([rec("IMP-GOOD")], "a")
        before = s.records()
        with pytest.raises(InvalidRecordError) as exc:
            s.save([rec("IMP-BAD", **POISON[name])], "a")
        assert exc.value.problems and exc.value.problems[0].field  # names the field
        assert s.records() == before


def _poison_the_store_directly(path):
    """Records written before the rules existed (or by hand): straight into SQLite."""
    with Store(path) as s:
        s.save([rec("IMP-GOOD")], "a")
    db = sqlite3.connect(path)
    for i, (name, change) in enumerate(POISON.items()):
        bad = rec(f"IMP-P{i}", **change)
        db.execute(
            "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,?,?,?)",
            (bad["id"] if name != "bad id" else "a b/c", json.dumps(bad, allow_nan=True), 1, "2026", "x"),
        )
    # A register measure moved to (0, 0), as an import once did.
    moved = record_from_row(load_projects().set_index("id", drop=False).loc["A10-09"])
    moved["geometry"] = {"type": "Point", "coordinates": [0.0, 0.0]}
    db.execute(
        "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,?,?,?)",
        ("A10-09", json.dumps(moved), 1, "2026", "x"),
    )
    db.commit()
    db.close()
    return len(POISON) + 1


def test_poisoned_records_are_quarantined_not_drawn(isolated_store):
    n = _poison_the_store_directly(isolated_store)
    with Store(isolated_store) as s:
        stored = s.records()
    good, bad = split_valid(stored)
    assert set(good) == {"IMP-GOOD"} and len(bad) == n
    merged, quarantined = apply_store(load_projects(), stored)
    assert len(quarantined) == n and "IMP-GOOD" in set(merged["id"])
    a1009 = merged.set_index("id").loc["A10-09"]
    assert a1009.geometry.x > 116  # the register's own location, not (0, 0)


def test_every_tab_and_export_survives_a_poisoned_store(isolated_store, tmp_path):
    from layers.exports import FORMATS, export

    _poison_the_store_directly(isolated_store)
    for tab in TABS:
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, (tab, at.exception)
        assert any("有问题" in w.value for w in at.warning), tab
    with Store(isolated_store) as s:
        merged, _ = apply_store(load_projects(), s.records())
    for fmt in FORMATS:
        out = export(merged, fmt, tmp_path / f"out.{fmt}")
        assert Path(out).stat().st_size > 0, fmt


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["id", "action", "year", "target", "precision_m", "title_zh", "place", "geometry"]),
        st.one_of(
            st.none(),
            st.integers(min_value=-(10**30), max_value=10**30),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=300),
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["Point", "LineString", "Polygon", "Nonsense"]),
                    "coordinates": st.recursive(
                        st.floats(allow_nan=True, allow_infinity=True), lambda c: st.lists(c, max_size=4), max_leaves=12
                    ),
                }
            ),
        ),
    )
)
def test_check_record_never_raises_and_what_it_accepts_the_map_can_draw(fields):
    out, problems = check_record({**rec(), **fields})
    if not problems:
        merged, quarantined = apply_store(load_projects().head(3), {out["id"]: out})
        assert not quarantined
        g = merged.geometry.iloc[-1]
        assert g is None or all(math.isfinite(v) for v in g.bounds)


# --- files that exhaust the server --------------------------------------------------------------
CHILD = textwrap.dedent("""
    import resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
    from layers.importer import ImportFileError, read_table
    data = open(sys.argv[1], "rb").read()
    t = time.monotonic()
    try:
        read_table(data, sys.argv[2])
        print("READ")
    except ImportFileError as exc:
        print("REFUSED", str(exc).splitlines()[-1])
""")


def _read_in_child(path: Path, name: str) -> str:
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.strip()


def _xlsx(parts: dict[str, bytes]) -> bytes:
    """A minimal workbook with the given parts replacing the usual ones."""
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
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def test_sparse_grid_xlsx_is_refused_before_parsing(tmp_path):
    sheet = (
        f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    path = tmp_path / "sparse.xlsx"
    path.write_bytes(_xlsx({SHEET: sheet}))
    assert path.stat().st_size < 20_000
    out = _read_in_child(path, "sparse.xlsx")
    assert out.startswith("REFUSED") and "rows" in out


def test_a_sheet_without_a_dimension_is_still_read_within_bounds(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(1, 12_050))
    sheet = f"<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>".encode()
    path = tmp_path / "long.xlsx"
    path.write_bytes(_xlsx({SHEET: sheet}))
    out = _read_in_child(path, "long.xlsx")
    assert out.startswith("REFUSED") and "10,000 rows" in out


def test_a_deflate_bomb_is_refused(tmp_path):
    blob = b"<worksheet " + NS.encode() + b"><sheetData>" + b" " * 200_000_000 + b"</sheetData></worksheet>"
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_xlsx({SHEET: blob}))
    assert path.stat().st_size < 1_000_000
    out = _read_in_child(path, "bomb.xlsx")
    assert out.startswith("REFUSED") and ("inflate" in out)


def test_an_xml_entity_attack_gets_a_message_not_a_traceback(tmp_path):
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + f']><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        + "</sheetData></worksheet>"
    ).encode()
    path = tmp_path / "lol.xlsx"
    path.write_bytes(_xlsx({SHEET: lol}))
    out = _read_in_child(path, "lol.xlsx")
    assert out.startswith(("REFUSED", "READ"))  # refused, or read without expansion: never a crash


def test_a_huge_csv_is_refused_with_the_row_limit(tmp_path):
    data = ("项目名称,所属行动\n" + "甲,3\n" * 200_000).encode()[: 5 * 1024 * 1024 - 10]
    with pytest.raises(ImportFileError, match="10,000 rows"):
        read_table(data, "big.csv")


def test_a_device_or_a_directory_is_never_read(tmp_path):
    from layers.importer import load_import

    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImportFileError, match="not a regular file"):
        load_import(link)
    with pytest.raises(ImportFileError, match="not a regular file"):
        load_import(tmp_path)


def test_the_cli_says_no_change_and_handles_a_missing_file(tmp_path):
    store = tmp_path / "s.sqlite"
    csv = tmp_path / "l.csv"
    csv.write_text("项目名称,所属行动,地点\n甲,3,金乡县\n", encoding="utf-8")
    run = [sys.executable, "-m", "layers", "import", str(csv), "--store", str(store)]
    assert "saved 1 rows" in subprocess.run(run, cwd=ROOT, capture_output=True, text=True).stdout
    assert "no change" in subprocess.run(run, cwd=ROOT, capture_output=True, text=True).stdout
    res = subprocess.run([*run[:4], str(tmp_path / "missing.csv")], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and "No such file" in res.stderr and "Traceback" not in res.stderr


def test_the_cli_export_reads_the_store_like_the_app(tmp_path):
    """One source of truth: rows imported with the CLI are in a CLI export."""
    store = tmp_path / "s.sqlite"
    csv = tmp_path / "l.csv"
    csv.write_text("项目名称,所属行动,地点\n" + "".join(f"CLI导入{i},3,金乡县\n" for i in range(5)), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "layers", "import", str(csv), "--store", str(store)], cwd=ROOT, check=True)
    out = tmp_path / "o.csv"
    res = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--format", "csv", "--out", str(out), "--store", str(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    rows = [line for line in out.read_text(encoding="utf-8-sig").splitlines() if "CLI导入" in line]
    assert len(rows) == 5 and all(line.startswith("IMP-") for line in rows)


# --- text is text ---------------------------------------------------------------------------------
def test_markdown_from_urls_and_imports_renders_as_text(isolated_store):
    with Store(isolated_store) as s:
        s.save(
            [
                rec(
                    "IMP-MD",
                    title_zh="![x](http://evil.example/i.png)[点我](http://evil.example)",
                    form="city",
                    geometry=None,
                    precision="city",
                )
            ],
            "**who**",
        )
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["district"] = "![x](http://evil.example/img.png)"
    at.query_params["action"] = "②,٣," + "9" * 5000
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in [*at.warning, *at.markdown])
    assert "](http" not in shown and "![" not in shown
    assert at.multiselect(key="f_actions").value == []  # ٣ is not taken as 3


def test_exports_with_imported_measures_and_control_characters(isolated_store, tmp_path):
    from layers.exports import export

    with Store(isolated_store) as s:
        s.save([rec("IMP-CTRL", title_zh="标题=1+1", summary_zh="内容")], "a")
        merged, _ = apply_store(load_projects(), s.records())
    merged.loc[merged["id"] == "IMP-CTRL", "title_en"] = "bell\x07 and escape\x1b"  # straight from an old store
    for fmt in ("pptx", "xlsx", "csv"):
        assert Path(export(merged, fmt, tmp_path / f"x.{fmt}")).stat().st_size > 0, fmt


def test_the_history_csv_defuses_formulas(isolated_store):
    with Store(isolated_store) as s:
        s.save([rec("IMP-F")], '=HYPERLINK("http://evil.example","x")')
        text = s.history_csv().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_a_year_that_once_broke_every_page_is_refused_at_import():
    import pandas as pd

    df = pd.DataFrame(
        [["甲", "3", "", "1e300"], ["乙", "3", "", "2021"]], columns=["项目名称", "所属行动", "地点", "年份"]
    )
    report = review_import(df)
    assert [r.status for r in report.rows] == ["error", "unresolved"]
    assert report.rows[0].problems[0].field == "年份"


def test_resource_module_is_available_for_the_caps():
    assert resource.getrlimit(resource.RLIMIT_AS)


def test_a_full_disk_reports_the_real_error_and_keeps_the_store(isolated_store):
    """Regression: the real error was hidden behind 'cannot rollback - no transaction is active'."""
    with Store(isolated_store) as s:
        s.save([rec("IMP-KEEP")], "a")
        before = s.records()
        pages = s._db.execute("PRAGMA page_count").fetchone()[0]
        s._db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from now on
        with pytest.raises(sqlite3.OperationalError, match="full"):
            s.save([rec(f"IMP-{i}", summary_zh="长" * 1900) for i in range(200)], "a")
        assert s.records() == before and s.integrity_ok()


# --- no silent overwrite --------------------------------------------------------------------------
def test_an_import_over_a_manual_correction_needs_an_explicit_choice(isolated_store):
    import pandas as pd

    from layers.importer import ImportConflictError
    from layers.store import ConflictError

    with Store(isolated_store) as s:
        s.save([rec("IMP-C", title_zh="原名", origin="manual")], "王工")
        stored = s.records()
    df = pd.DataFrame(
        [["IMP-C", "新名", "3", ""], ["IMP-N", "新措施", "3", ""]], columns=["编号", "项目名称", "所属行动", "地点"]
    )
    report = review_import(df, existing=stored)
    assert [r.status for r in report.rows] == ["conflict", "unresolved"]
    assert "王工" in report.rows[0].message
    with pytest.raises(ImportConflictError, match="keep, replace or skip"):
        report.to_save()
    assert [r["id"] for r in report.to_save("keep")] == ["IMP-N"] == [r["id"] for r in report.to_save("skip")]
    assert [r["id"] for r in report.to_save("replace")] == ["IMP-N", "IMP-C"]
    with Store(isolated_store) as s:
        s.save([rec("IMP-C", title_zh="又改了")], "李工")  # somebody saves between review and save
        with pytest.raises(ConflictError):
            s.save(report.to_save("replace"), "me", "import", expected=report.expected_versions())
        assert s.records()["IMP-C"]["title_zh"] == "又改了"


def test_the_cli_refuses_to_overwrite_without_a_choice(tmp_path):
    store = tmp_path / "s.sqlite"
    with Store(store) as s:
        s.save([rec("IMP-C", title_zh="原名")], "王工")
    csv = tmp_path / "l.csv"
    csv.write_text("编号,项目名称,所属行动\nIMP-C,新名,3\n", encoding="utf-8")
    base = [sys.executable, "-m", "layers", "import", str(csv), "--store", str(store)]
    res = subprocess.run(base, cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 1 and "--on-conflict" in res.stderr
    with Store(store) as s:
        assert s.records()["IMP-C"]["title_zh"] == "原名"
    res = subprocess.run([*base, "--on-conflict", "replace"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    with Store(store) as s:
        assert s.records()["IMP-C"]["title_zh"] == "新名"


def test_kml_descriptions_are_text_not_html(tmp_path):
    from layers.export_data import to_kml

    p = load_projects()
    p = p[p["form"] == "point"].head(1).copy()
    p["summary_zh"] = '<img src="http://evil.example/x.png">'
    text = to_kml(p, tmp_path / "t.kml").read_text(encoding="utf-8")
    # Escaped twice: once for HTML (Google Earth renders descriptions as HTML), once by the XML writer.
    import re

    (description,) = re.findall(r"<description>(.*?)</description>", text)
    assert description.startswith("&amp;lt;img") and "<img" not in description


def test_the_cli_build_merges_the_store(tmp_path):
    import geopandas as gpd

    store = tmp_path / "s.sqlite"
    with Store(store) as s:
        s.save([rec("IMP-BUILD")], "t")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "layers", "build", "--out", str(out), "--store", str(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    ids = set(gpd.read_file(out / "projects.geojson")["id"])
    assert "IMP-BUILD" in ids and "A01-01" in ids
