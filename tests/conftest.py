import contextlib
import os

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


#: A PostgreSQL database the tests may create schemas in (with PostGIS installable), e.g.
#: postgresql://postgres@/jining_test?host=/tmp/pg&port=55432. .ci/run starts a throwaway
#: cluster and sets it, with JINING_REQUIRE_PG=1 so that these tests can never be skipped there.
PG_ENV = "JINING_TEST_PG"


def pg_base() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("JINING_REQUIRE_PG") == "1":
            pytest.fail(f"{PG_ENV} is not set, but JINING_REQUIRE_PG=1 says the PostgreSQL tests must run")
        pytest.skip(f"PostgreSQL tests: set {PG_ENV} to a database URL (.ci/run does)")
    return base


def pg_schema_url(base: str, schema: str) -> str:
    from urllib.parse import quote

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"


@contextlib.contextmanager
def pg_schema(base: str):
    """A fresh schema in the test PostgreSQL database ``base``, dropped afterwards: yields
    the URL that works in it."""
    import uuid

    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_schema_url(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request, tmp_path):
    """Where a store lives, once per backend: a SQLite file, or a fresh schema in the test
    PostgreSQL database (dropped afterwards)."""
    if request.param == "sqlite":
        yield tmp_path / "store.sqlite"
        return
    with pg_schema(pg_base()) as url:
        yield url
