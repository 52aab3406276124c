"""The key table's layout: wrapping keeps every character and fits the column; rows that
do not fit are counted, never drawn over anything."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from layers.exports import print_table  # noqa: E402
from layers.exports.print_page import setup_fonts as _setup_fonts  # noqa: E402


@pytest.fixture(scope="module")
def measure():
    _setup_fonts()
    fig = plt.figure(figsize=(8, 6), dpi=100)
    yield print_table.Measure(fig)
    plt.close(fig)


TEXT = st.text(
    alphabet=st.sampled_from(list("济宁市任城区兖州区微山县、,()“”") + list("Rencheng Yanzhou, 39 dead-end roads")),
    min_size=0,
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(text=TEXT, width=st.floats(20, 300), size=st.sampled_from([6.0, 7.5, 9.0]))
def test_wrapping_keeps_every_character_and_fits_the_width(measure, text, width, size):
    lines = print_table.wrap(text, width, size, measure)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        # A single character wider than the column is the only thing allowed to stick out.
        assert measure(line, size) <= width or len(line) == 1


def test_chinese_breaks_after_punctuation_not_before(measure):
    text = "任城区、兖州区、微山县、鱼台县、嘉祥县、梁山县"
    width = measure("任城区、兖州区、", 8) + 0.5
    lines = print_table.wrap(text, width, 8, measure)
    assert len(lines) > 1 and not any(line.startswith("、") for line in lines)


def test_layout_shrinks_then_reports_what_does_not_fit(measure):
    rows = [[str(i), "措施名称" * 2, "任城区", "3. 都市区融合"] for i in range(1, 41)]
    header = ["序号", "措施", "县市区", "行动"]
    fractions = [0.1, 0.5, 0.2, 0.2]
    roomy = print_table.layout(rows, header, fractions, 300, 2000, measure, [9, 8, 7])
    assert roomy.overflow == 0 and roomy.size == 9 and roomy.rows_drawn == 40
    tight = print_table.layout(rows, header, fractions, 300, 300, measure, [9, 8, 7])
    assert tight.size == 7 and tight.overflow > 0
    assert tight.rows_drawn + tight.overflow == 40
    # The rows drawn fit the height: header plus rows, column by column.
    for column in tight.columns:
        assert tight.header_h + sum(h for _, h in column) <= 300
    two = print_table.layout(rows, header, fractions, 600, 300, measure, [7], max_cols=2)
    assert two.ncols == 2 and two.rows_drawn > tight.rows_drawn


def test_a_header_word_is_never_broken(measure):
    rows = [["1", "A measure", "Rencheng", "2"]]
    tl = print_table.layout(
        rows, ["No.", "Measure", "District", "Action"], [0.08, 0.55, 0.29, 0.08], 160, 500, measure, [9]
    )
    assert [len(cell) for cell in tl.header] == [1, 1, 1, 1]  # each header on one line
    assert abs(sum(tl.col_widths) - 160) < 1e-6  # the table keeps its width


def test_a_nowrap_column_is_as_wide_as_its_longest_cell(measure):
    rows = [["1", "措施名称" * 3, "任城区", "10. 开发区改革", "±0.05"], ["2", "措施", "全市", "2. 文化“两创”", "—"]]
    header = ["序号", "措施", "县市区", "行动", "精度(±km)"]
    fractions = [0.08, 0.42, 0.22, 0.18, 0.10]
    tl = print_table.layout(rows, header, fractions, 300, 500, measure, [9], nowrap=(0, 3, 4))
    assert [(cells[3], cells[4]) for cells, _h in tl.columns[0]] == [
        (["10. 开发区改革"], ["±0.05"]),
        (["2. 文化“两创”"], ["—"]),
    ]
    assert abs(sum(tl.col_widths) - 300) < 1e-6  # the table keeps its width
