import re
import subprocess
import sys

import pytest
from pptx import Presentation

from layers import load_projects
from layers.export_html import render_html
from layers.export_pack import pack_pdf, pack_pptx
from layers.filtering import Filters, filter_projects


@pytest.fixture(scope="module")
def selection():
    f = Filters(actions=(2, 4, 10))
    return filter_projects(load_projects(), f), f


def test_pptx_has_cover_one_slide_per_action_and_statistics(selection, tmp_path):
    sel, f = selection
    steps = []
    path = pack_pptx(sel, tmp_path / "deck.pptx", f, progress=lambda d, n, label: steps.append((d, n)))
    prs = Presentation(path)
    slides = list(prs.slides)
    assert len(slides) == 1 + 3 + 1
    titles = [sh.text_frame.text for s in slides[1:4] for sh in s.shapes if sh.has_text_frame][::2]
    assert [t.split(" ", 1)[1] for t in titles] == [
        "2. 文化“两创”攻坚行动",
        "4. 乡村振兴攻坚行动",
        "10. 开发区改革攻坚行动",
    ]
    tables = [sh.table for sh in slides[2].shapes if sh.has_table]
    assert len(tables) == 1
    rows = [[c.text for c in r.cells] for r in tables[0].rows]
    assert rows[0] == ["序号", "措施", "县市区", "行动"]
    assert len(rows) - 1 == (sel["action"] == 4).sum()  # every measure of the action, placed or not
    assert steps[-1] == (5, 5)
    assert prs.slide_width > prs.slide_height  # 16:9


def test_pdf_pack_pages(selection, tmp_path):
    sel, f = selection
    path = pack_pdf(sel, tmp_path / "pack.pdf", f)
    raw = path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", raw))
    assert pages == 1 + 3 + 1
    assert b"/FontFile2" in raw


def test_html_inlines_leaflet_and_loads_nothing(selection):
    sel, f = selection
    page = render_html(sel, f)
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert "L.map(" in page and "leaflet-container" in page  # Leaflet itself and its CSS are inside
    assert "data:image/png;base64" in page  # the layer-control icon
    assert not re.search(r'<(?:script|img|link)[^>]+(?:src|href)="https?://', page)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "layers", "export", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_exports_a_filtered_geojson(tmp_path):
    import geopandas as gpd

    out = tmp_path / "x.geojson"
    res = run_cli("--format", "geojson", "--action", "4,10", "--district", "370828", "--out", str(out))
    assert res.returncode == 0, res.stderr
    back = gpd.read_file(out)
    assert set(back["action"]) <= {4, 10} and "A04-11" in set(back["id"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "png", "--action", "12", "--out", "x.png"], "action=12"),
        (["--format", "png", "--district", "999999", "--out", "x.png"], "district=999999"),
        (["--format", "bmp", "--out", "x.bmp"], "invalid choice: 'bmp'"),
        (["--format", "csv", "--crs", "mars", "--out", "x.csv"], "invalid choice: 'mars'"),
        (["--format", "png", "--layout", "a3", "--out", "x.png"], "invalid choice: 'a3'"),
        (["--format", "png", "--q", "没有这样的措施", "--out", "x.png"], "no measure matches"),
        (["--format", "png"], "--out"),
    ],
)
def test_cli_bad_arguments_fail_clearly(tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    res = run_cli(*args)
    assert res.returncode == 2
    assert message in res.stderr
    assert not any(tmp_path.iterdir())


def test_the_cli_warns_when_a_map_would_be_empty(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    res = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--format", "png", "--action", "8", "--out", str(tmp_path / "a.png")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and "warning: none of the" in res.stderr
    res = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--format", "png", "--action", "4", "--out", str(tmp_path / "b.png")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and "warning" not in res.stderr
