"""Command line: ``python -m layers build|geocode|export|changes|users|backup|import|progress`` (see ``--help``)."""

from __future__ import annotations

import argparse
import json
import sys

from layers._errors import DataError


def _build(args) -> int:
    from layers.edits.changes import apply_store
    from layers.edits.store import read_stored
    from layers.geo.build import qa_summary, register_projects, write_projects

    # The register merged with the store, as the app shows it (``--store none``: the register alone).
    stored = {} if args.store == "none" else read_stored(args.store)
    projects = register_projects(args.register)
    if stored:
        projects, _ = apply_store(projects, stored)
    paths = write_projects(projects, args.out)
    print(qa_summary(projects))
    for p in paths:
        print(f"wrote {p}")
    return 0


def _geocode(args) -> int:
    from layers.geo.gazetteer import geocode

    keys = (
        "query",
        "lon",
        "lat",
        "precision",
        "precision_m",
        "county_adcode",
        "county_name",
        "town_code",
        "town_name",
        "matched",
        "status",
        "candidates",
        "message",
    )
    for text in args.text:
        res = geocode(text).to_dict()
        print(json.dumps({k: res[k] for k in keys}, ensure_ascii=False))
    return 0


def _export(args) -> int:
    from layers import load_projects
    from layers.exports import export
    from layers.selection.filtering import filter_projects, filters_from_query

    filters = filters_from_query({"action": args.action, "district": args.district, "q": args.q})
    if filters.warnings:
        from layers.selection.filtering import district_codes

        print(
            f"error: unknown value(s) {', '.join(filters.warnings)}; actions are 1-10, districts are "
            f"{', '.join(district_codes())}",
            file=sys.stderr,
        )
        return 2
    from layers.edits.changes import apply_store
    from layers.edits.store import read_stored

    # One source of truth: the register merged with the store, as in the app (read only).
    projects, quarantined = apply_store(load_projects(), read_stored(args.store))
    if quarantined:
        print(
            f"warning: {len(quarantined)} stored records have problems and are left out: {', '.join(quarantined)}",
            file=sys.stderr,
        )
    projects = _with_lights(projects, args)
    selected = filter_projects(projects, filters)
    if selected.empty:
        print("error: no measure matches these filters; nothing written", file=sys.stderr)
        return 2
    from layers.exports import MAP_FORMATS

    placed = selected.geometry.notna() | (selected["form"] == "county")
    if args.format in (*MAP_FORMATS, "html") and not placed.any():
        print(
            f"warning: none of the {len(selected)} measures has a place on the map (all are city-wide or outside "
            "Jining); the map shows only the counties. A table (xlsx, csv) may serve better.",
            file=sys.stderr,
        )
    path = export(
        selected,
        args.format,
        args.out,
        filters,
        args.layout,
        args.title,
        args.crs,
        args.basemap,
        args.approval,
        args.lang,
        asof=args.asof or _today(),
        briefing=_briefing(selected, args),
        unit=args.unit,
        colour_by=args.colour,
    )
    print(f"wrote {path} ({len(selected)} measures)")
    return 0


def _import(args) -> int:
    from layers.edits.auth import os_identity
    from layers.edits.importer import load_import
    from layers.edits.store import Store

    overrides = {}
    for item in args.map or []:
        header, _, field = item.partition("=")
        overrides[header] = field
    from layers.edits.store import read_stored

    # Review and dry runs only read the store; it is opened for writing only to save.
    report = load_import(args.file, args.crs, args.sheet, overrides, read_stored(args.store))
    print(report.text())
    if report.has_errors:
        print(
            "error: some rows have errors; nothing was saved. Fix them and import the file again "
            "(rows already saved are matched by id, or by action and title, and not duplicated).",
            file=sys.stderr,
        )
        return 1
    if args.dry_run:
        print("dry run: nothing saved")
        return 0
    if report.conflicts and not args.on_conflict:
        print(
            f"error: {len(report.conflicts)} row(s) would replace changes saved since (marked 'conflict' above); "
            "nothing was saved. Run again with --on-conflict keep, replace or skip.",
            file=sys.stderr,
        )
        return 1
    records = report.to_save(args.on_conflict)
    if not records:
        print("no change: nothing to save")
        return 0
    with Store(args.store) as store:
        batch = store.save(records, os_identity().name, "import", expected=report.expected_versions())
        if batch:
            print(f"saved {len(records)} rows to {store.path} (change {batch})")
        else:
            print(f"no change: every row is already in {store.path} as it is")
    return 0


def _changes(args) -> int:
    from layers.edits.auth import os_identity
    from layers.edits.store import Store, UndoError
    from layers.edits.validate import split_valid

    with Store(args.store, read_only=args.action == "list") as store:
        if args.action == "list":
            b = store.batches()
            if b.empty:
                print("no changes stored")
            for r in b.itertuples():
                state = f" undone by {r.undone_by}" if r.undone_by else ""
                print(f"{r.batch}  {r.at}  {r.who}  {r.what}  {r.records} record(s){state}")
            _, bad = split_valid(store.records())
            for mid, reason in bad.items():
                print(f"quarantined {mid}: {reason}")
            return 0
        if not args.batch:
            print("error: give the change to undo, e.g. python -m layers changes undo 3f2a9c1b7e4d", file=sys.stderr)
            return 2
        try:
            undo = store.undo(args.batch, os_identity().name)
        except UndoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"undone {args.batch} (as change {undo})")
    return 0


def _backup(args) -> int:
    from layers.edits.store import Store

    with Store(args.store, read_only=True) as store:  # a read-only folder can still be backed up
        out = store.backup(args.out)
        with Store(out, read_only=True) as copy:
            ok = copy.integrity_ok()
            n = len(copy.records())
    print(f"backed up {store.path} to {out}: {n} stored records, integrity {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def _read_password(confirm: bool, env: str | None = None) -> str:
    """The password: from the environment variable ``env`` when given (``--password-env``),
    else typed twice at a terminal (not echoed), else the first line of standard input
    (scripts: ``… users add 张工 --role editor < pwfile``). Never an argument, which would
    stay in the shell's history and the process list."""
    import getpass
    import os

    if env:
        if env not in os.environ:
            raise ValueError(f"the environment variable {env} is not set; nothing changed")
        return os.environ[env]
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ; nothing changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _users(args) -> int:
    from layers.edits.auth import Accounts
    from layers.edits.store import Store

    with Store(args.store, read_only=args.action == "list") as store:
        accounts = Accounts(store)
        if args.action == "list":
            table = accounts.list()
            if table.empty:
                print("no accounts: editing is off until an editor is added (users add NAME --role editor)")
            for r in table.itertuples():
                print(f"{r.name}  {r.role}  created {r.created_at}  changed {r.updated_at}")
            return 0
        if not args.name:
            print(f"error: give the account name, e.g. python -m layers users {args.action} 张工", file=sys.stderr)
            return 2
        if args.action == "add":
            from layers.edits.auth import normalise_name

            role = args.role or "viewer"
            accounts.add(args.name, _read_password(True, args.password_env), role)
            print(f"added {normalise_name(args.name)} ({role})")  # as stored: NFKC, case-folded
        elif args.action == "passwd":
            accounts.set_password(args.name, _read_password(True, args.password_env))
            print(f"changed the password of {args.name}; its sessions have ended")
        elif args.action == "role":
            if not args.role:
                print(
                    f"error: say which role, e.g. python -m layers users role {args.name} --role editor",
                    file=sys.stderr,
                )
                return 2
            accounts.set_role(args.name, args.role)
            print(f"{args.name} is now {args.role}")
        else:
            accounts.remove(args.name)
            print(f"removed {args.name}; its sessions have ended")
    return 0


_STORE_HELP = "store file (default: $JINING_STORE or data/store.sqlite)"


def _add_build(sub) -> None:
    b = sub.add_parser("build", help="validate and geocode the register, write GeoJSON and GeoPackage")
    b.add_argument("--out", required=True, help="output directory")
    b.add_argument("--register", help="register CSV to build (default: geodata/register.csv)")
    b.add_argument(
        "--store", help="store merged with the register (default: $JINING_STORE or data/store.sqlite; 'none': skip)"
    )
    b.set_defaults(func=_build)


def _add_geocode(sub) -> None:
    g = sub.add_parser("geocode", help="geocode place texts, one JSON object per line")
    g.add_argument("text", nargs="+", help="place text, e.g. 邹城市大束镇")
    g.set_defaults(func=_geocode)


def _with_lights(projects, args):
    """The measures with their progress lights as of ``--asof`` (default today in Jining),
    as the app joins them: the data exports carry them."""
    import datetime as dt

    from layers.edits.store import Store
    from layers.labels import LOCAL_TZ
    from layers.progress.store import lights_asof
    from layers.progress.view import with_lights

    asof = args.asof or dt.datetime.now(LOCAL_TZ).date()
    with Store(args.store, read_only=True) as store:
        return with_lights(projects, lights_asof(store, list(projects["id"]), asof), asof)


def _briefing(selected, args):
    """The briefing of a pack (its 作战图 and changes), when progress is stored or asked for
    (``--since``, ``--unit``); None otherwise, and for every other format."""
    if args.format not in ("pptx", "pack-pdf"):
        return None
    from layers.edits.store import Store
    from layers.progress.briefing import from_store
    from layers.progress.store import has_progress

    with Store(args.store, read_only=True) as store:
        if not (has_progress(store) or args.since or args.unit):
            return None
        return from_store(store, list(selected["id"]), args.asof or _today(), args.since)


def _today():
    """Today in Jining: the default ``--asof``."""
    import datetime as dt

    from layers.labels import LOCAL_TZ

    return dt.datetime.now(LOCAL_TZ).date()


def _add_export(sub) -> None:
    from layers.exports import BASEMAP_IDS, FORMATS
    from layers.exports.data_formats import EXPORT_CRS

    e = sub.add_parser("export", help="export the (filtered) register as a map, data or briefing pack")
    e.add_argument("--format", required=True, choices=FORMATS)
    e.add_argument("--out", required=True, help="output file")
    e.add_argument("--action", help="action ids, comma-separated, e.g. 4,10")
    e.add_argument("--district", help="county adcodes or zone ids, comma-separated, e.g. 370828")
    e.add_argument("--q", help="keyword")
    e.add_argument("--layout", choices=("a4", "16x9"), default="a4", help="page layout for maps and PDF packs")
    e.add_argument("--title", help="map title (default 济宁市“十大攻坚行动”重点项目分布图)")
    e.add_argument("--crs", choices=tuple(EXPORT_CRS), default="wgs84", help="coordinates of data exports")
    e.add_argument(
        "--basemap",
        default="none",
        choices=BASEMAP_IDS,
        help="basemap of the HTML export, and web tiles under PNG/PDF/SVG maps (osm, tianditu); default none: the offline base map",
    )
    e.add_argument("--approval", default="", help="approval number (审图号) printed on maps")
    e.add_argument("--lang", choices=("zh", "en"), default="zh")
    e.add_argument("--store", help="store file merged with the register (default: $JINING_STORE or data/store.sqlite)")
    e.add_argument(
        "--asof",
        type=_iso_date,
        help="the date of the progress lights the data exports carry, printed as 截至 (as of) on maps and "
        "briefing packs (YYYY-MM-DD; default today in Jining)",
    )
    e.add_argument(
        "--since",
        type=_iso_date,
        help="briefing packs: add a 变化情况 page (slide) of what changed after this date up to --asof (YYYY-MM-DD)",
    )
    e.add_argument("--unit", help="briefing packs: only the measures of this 责任单位 (as the plans name it)")
    e.add_argument(
        "--colour",
        choices=("action", "progress"),
        default="action",
        help="colour printed maps by action (default) or by progress light (三色管理)",
    )
    e.set_defaults(func=_export)


def _iso_date(text: str):
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write 2020-09-30") from None


def _add_changes(sub) -> None:
    c = sub.add_parser("changes", help="list the stored changes, or undo one")
    c.add_argument("action", choices=("list", "undo"))
    c.add_argument("batch", nargs="?", help="the change to undo (from 'changes list')")
    c.add_argument("--store", help=_STORE_HELP)
    c.set_defaults(func=_changes)


def _add_users(sub) -> None:
    u = sub.add_parser(
        "users", help="manage the accounts that may sign in to the app (the password is read from standard input)"
    )
    u.add_argument("action", choices=("add", "list", "remove", "passwd", "role"))
    u.add_argument("name", nargs="?", help="account name, e.g. 张工 or zhang.gong")
    u.add_argument(
        "--role", choices=("viewer", "editor", "admin"), help="for add (default viewer) and role (required there)"
    )
    u.add_argument(
        "--password-env",
        metavar="VAR",
        help="for add and passwd: read the password from this environment variable (default: asked at a "
        "terminal, else the first line of standard input)",
    )
    u.add_argument("--store", help=_STORE_HELP)
    u.set_defaults(func=_users)


def _add_backup(sub) -> None:
    k = sub.add_parser("backup", help="copy a SQLite store while the app runs (PostgreSQL: use pg_dump)")
    k.add_argument("out", help="the copy to write, e.g. backups/store-2026-11-29.sqlite")
    k.add_argument("--store", help=_STORE_HELP)
    k.set_defaults(func=_backup)


def system(text):
    """``--crs`` of ``import``: a coordinate system's canonical name, or argparse's error."""
    from layers.geo.coords import canonical_system

    try:
        return canonical_system(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def header_map(text):
    """``--map`` of ``import``: a checked ``HEADER=FIELD``, kept as written, or argparse's error."""
    from layers.edits.importer import parse_mapping

    try:
        parse_mapping(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _add_import(sub) -> None:
    from layers.geo.coords import SYSTEMS

    i = sub.add_parser("import", help="import a CSV/XLSX list of measures into the store")
    i.add_argument("file")
    i.add_argument(
        "--crs", default="wgs84", type=system, help="coordinate system of the lon/lat columns: " + ", ".join(SYSTEMS)
    )
    i.add_argument("--sheet", help="XLSX sheet (default: the first)")
    i.add_argument("--dry-run", action="store_true", help="print the report, save nothing")
    i.add_argument("--store", help=_STORE_HELP)
    i.add_argument(
        "--on-conflict",
        choices=("keep", "replace", "skip"),
        help="rows that would replace a change saved since: keep the stored version, replace it, or skip the row",
    )
    i.add_argument(
        "--map",
        action="append",
        type=header_map,
        metavar="HEADER=FIELD",
        help="map a column header to a field (title_zh, action, district, place, lon, lat, ...); "
        "HEADER= ignores the column",
    )
    i.set_defaults(func=_import)


def _register(store):
    """The register merged with the store, as the app shows it, and the quarantined ids."""
    from layers import load_projects
    from layers.edits.changes import apply_store
    from layers.edits.store import read_stored

    return apply_store(load_projects(), read_stored(store))


def _add_progress(sub) -> None:
    """``progress template|import|lights|changes`` (``layers.progress.cli``)."""
    from layers.progress.cli import add_progress

    add_progress(sub, _STORE_HELP, _register)


def _parser() -> argparse.ArgumentParser:
    """The command line's parser: one subcommand per ``_add_…`` function, in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    adders = (_add_build, _add_geocode, _add_export, _add_changes, _add_users, _add_backup, _add_import, _add_progress)
    for add in adders:
        add(sub)
    return parser


def _run(args) -> int:
    """Run the chosen subcommand; every expected failure is one ``error:`` line and exit code 2, never a traceback."""
    from layers.edits.store import StoreUnavailable, StoreWriteError, database_errors

    try:
        return args.func(args)
    except (DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # missing file, a directory, read-only or full disk: one sentence, no traceback
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except (StoreUnavailable, StoreWriteError) as exc:  # one sentence; the URL shown without its password
        print(f"error: {exc}" + (f" ({exc.detail})" if exc.detail else ""), file=sys.stderr)
        return 2
    except database_errors() as exc:  # the last resort: one line, never a traceback
        print(
            f"error: the store cannot be used ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}); check that it is "
            "reachable, that its folder is writable and has space",
            file=sys.stderr,
        )
        return 2


def main(argv=None) -> int:
    """``python -m layers``: parse ``argv`` and run the subcommand; returns the exit code."""
    args = _parser().parse_args(argv)
    # The store logs its failures for the app's server log; here the error line says it.
    import logging

    logging.getLogger("layers").addHandler(logging.NullHandler())
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
