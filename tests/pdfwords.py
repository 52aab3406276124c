"""The words a PDF actually prints, with their boxes, read by pdftotext (poppler-utils)."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess

import pytest


def printed_words(pdf) -> tuple[float, float, list[tuple[str, float, float, float, float]]]:
    """Page width and height (points) and every word with (text, x0, y0, x1, y1)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    words = [
        (m.group(5), *(float(m.group(i)) for i in range(1, 5)))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
        )
    ]
    return float(page.group(1)), float(page.group(2)), words


def overlaps(words, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than ``tolerance`` points both ways."""
    t = tolerance
    return [
        (a[0], b[0])
        for a, b in itertools.combinations(words, 2)
        if a[1] < b[3] - t and b[1] < a[3] - t and a[2] < b[4] - t and b[2] < a[4] - t
    ]


def outside(words, width: float, height: float) -> list[str]:
    return [w[0] for w in words if w[1] < 0 or w[2] < 0 or w[3] > width or w[4] > height]
