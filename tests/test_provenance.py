import json
import re
from urllib.parse import urlparse

import pandas as pd

from layers._paths import GEODATA, PROVENANCE_JSON

KEYS = {"source", "license", "retrieved", "crs", "script"}


def test_every_geodata_file_has_provenance():
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    files = {p.relative_to(GEODATA).as_posix() for p in GEODATA.rglob("*") if p.is_file()}
    assert files == set(prov), f"undocumented: {files - set(prov)}; stale: {set(prov) - files}"
    for name, meta in prov.items():
        assert KEYS <= set(meta), name
        assert all(str(meta[k]).strip() for k in KEYS), name


def test_every_gazetteer_row_has_a_source():
    g = pd.read_csv(GEODATA / "gazetteer.csv", dtype=str, keep_default_na=False)
    assert (g["source"].str.len() > 20).all()
    direct = g[g["derive"] == ""]
    # A direct coordinate cites where it was read: a URL or GeoNames (test_every_source_is_an_allowed_kind
    # checks that the URL is a kind a planner can cite).
    assert direct["source"].str.contains(r"https?://|GeoNames").all(), direct.loc[
        ~direct["source"].str.contains(r"https?://|GeoNames"), "name_zh"
    ].tolist()


def test_every_shape_says_how_it_was_built():
    s = pd.read_csv(GEODATA / "shapes.csv", dtype=str, keep_default_na=False)
    assert (s["description"].str.len() > 20).all() and (s["source"].str.len() > 10).all()


# --- Sources a planner can cite -------------------------------------------------------------
#
# Every source must be one of: a dataset named in provenance.json, an official government site
# (*.gov.cn), Wikipedia (the canonical wikipedia.org URL; a mirror may be named as "read via
# <host>", without a scheme) or GeoNames. Hotel, travel, news and encyclopedia-copy sites,
# blogs and repositories that forbid redistribution are not citable.

URL = re.compile(r"https?://[^\s\"',;)\]）]+")
FORBIDDEN = ("RailVista",)


def _provenance_urls() -> list[str]:
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            found.extend(URL.findall(value))

    walk(prov)
    return found


def _named_repositories() -> tuple[set[str], set[str]]:
    """GitHub ``owner/name`` and PyPI project names that provenance.json names."""
    github, pypi = set(), set()
    for url in _provenance_urls():
        parts = urlparse(url)
        path = [p for p in parts.path.split("/") if p]
        if parts.hostname == "github.com" and len(path) >= 2:
            github.add(f"{path[0]}/{path[1]}".casefold())
        elif parts.hostname == "pypi.org" and len(path) >= 2 and path[0] == "project":
            pypi.add(path[1].casefold())
    return github, pypi


def _dataset_names() -> set[str]:
    """Names by which a source may cite a dataset of provenance.json without a URL: its files
    (towns.csv, context/water.geojson, …) and the repositories and packages it names."""
    github, pypi = _named_repositories()
    files = {k.casefold() for k in json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))}
    return {"geonames", *files, *github, *(r.split("/")[1] for r in github), *pypi}


def _allowed_url(url: str, github: set[str], pypi: set[str]) -> bool:
    parts = urlparse(url)
    host = (parts.hostname or "").casefold()
    path = [p for p in parts.path.split("/") if p]
    if host == "wikipedia.org" or host.endswith(".wikipedia.org"):
        return True
    if host == "geonames.org" or host.endswith(".geonames.org"):
        return True
    if host == "gov.cn" or host.endswith(".gov.cn"):
        return True
    if host == "github.com":
        return len(path) >= 2 and f"{path[0]}/{path[1]}".casefold() in github
    if host == "pypi.org":
        return len(path) >= 2 and path[0] == "project" and path[1].casefold() in pypi
    return False


def _sources() -> list[tuple[str, str, str, bool]]:
    """(file, row name, source text, is a derivation) for every sourced row of the three tables."""
    out = []
    g = pd.read_csv(GEODATA / "gazetteer.csv", dtype=str, keep_default_na=False)
    out += [("gazetteer.csv", r.name_zh, r.source, bool(r.derive)) for r in g.itertuples()]
    t = pd.read_csv(GEODATA / "towns.csv", dtype=str, keep_default_na=False)
    out += [("towns.csv", r.name_zh, r.source, bool(r.derive)) for r in t.itertuples()]
    s = pd.read_csv(GEODATA / "shapes.csv", dtype=str, keep_default_na=False)
    construction = re.compile(r"^\s*(Schematic|Approximate|Construct|Built|Derived|Straight|Buffer|County-level)", re.I)
    out += [("shapes.csv", r.shape_id, r.source, bool(construction.match(r.source))) for r in s.itertuples()]
    return out


def test_every_source_is_an_allowed_kind():
    github, pypi = _named_repositories()
    datasets = _dataset_names()
    bad = []
    for file, name, source, derivation in _sources():
        urls = URL.findall(source)
        for url in urls:
            if not _allowed_url(url, github, pypi):
                bad.append(f"{file} {name}: {url}")
        if not urls and not derivation and not any(d in source.casefold() for d in datasets):
            bad.append(f"{file} {name}: no URL, no dataset of provenance.json, no GeoNames, no derivation")
    assert not bad, "sources a planner cannot cite:\n" + "\n".join(bad)


def test_a_mirror_is_never_the_cited_url():
    # A mirror may be named ("read via findatwiki.com") but never linked.
    bad = [
        f"{f} {n}: {u}" for f, n, s, _ in _sources() for u in URL.findall(s) if "wiki" in u and "wikipedia.org" not in u
    ]
    assert not bad, "\n".join(bad)


#: Sites that were cited before and are not acceptable even as evidence: wiki mirrors, hotel,
#: travel and content-farm pages.
NOT_EVIDENCE = (
    "ttnews.xyz",
    "xjzhotel.cn",
    "cnenc.net",
    "damoshentu.com",
    "perceptiode.com",
    "piglix.com",
    "findatwiki.com",
    "movatter.jp",
    "nina.az",
    "friendlywiki.com",
    "wikiwand.com",
    "kfd.me",
    "baike.com",
    "51haodu.com",
    "zixundingzhi.com",
    "kmzx.org",
    "yzfc8.com",
    "021cf.cn",
    "maigoo.com",
    "enteach.net",
    "bjtitle.com",
    "xahghq.com",
)


def test_evidence_is_never_a_mirror_or_a_hotel_site():
    """Evidence (which town a site or zone lies in; the course of a road) may cite the press,
    but never a wiki mirror, a hotel or travel page, or a content farm; coordinates never
    come from evidence."""
    texts = []
    g = pd.read_csv(GEODATA / "gazetteer.csv", dtype=str, keep_default_na=False)
    texts += [("gazetteer.csv", r.name_zh, r.evidence) for r in g.itertuples()]
    s = pd.read_csv(GEODATA / "shapes.csv", dtype=str, keep_default_na=False)
    texts += [("shapes.csv", r.shape_id, r.description) for r in s.itertuples()]
    bad = [
        f"{f} {n}: {u}"
        for f, n, text in texts
        for u in URL.findall(text)
        if any(h in (urlparse(u).hostname or "") for h in NOT_EVIDENCE) or ("wiki" in u and "wikipedia.org" not in u)
    ]
    assert not bad, "\n".join(bad)
    assert (g.loc[g["evidence"] != "", "evidence"].str.contains("https?://")).all()


def test_fallback_rows_say_so():
    g = pd.read_csv(GEODATA / "gazetteer.csv", dtype=str, keep_default_na=False)
    at = g[g["derive"].str.startswith("at:")]
    assert at["source"].str.contains("falls back").all(), at.loc[
        ~at["source"].str.contains("falls back"), "name_zh"
    ].tolist()


def test_no_forbidden_repository_is_named_in_geodata():
    bad = []
    for path in GEODATA.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".md", ".txt", ".geojson"):
            text = path.read_text(encoding="utf-8", errors="replace")
            bad += [f"{path.relative_to(GEODATA)}: {word}" for word in FORBIDDEN if word in text]
    assert not bad, "\n".join(bad)
