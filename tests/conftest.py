import pytest

from layers._paths import ARTICLE_TXT as ARTICLE


@pytest.fixture(scope="session")
def article() -> str:
    assert ARTICLE.exists(), f"the source article is missing at {ARTICLE}"
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def counties():
    from layers import load_counties

    return load_counties()


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    """Every test gets its own empty change store; none touches data/store.sqlite."""
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("JINING_STORE", str(path))
    return path
