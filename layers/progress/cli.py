"""The command line's ``progress`` subcommands (``python -m layers progress …``):

- ``template --out FILE.xlsx [--unit NAME] [--asof DATE] [--lang zh|en]``: the reporting
  workbook for the register's measures, pre-filled from the store;
- ``import FILE.xlsx [--on-conflict keep|replace|skip] [--as NAME] [--dry-run] [--asof DATE]``:
  review a filled workbook, show which lights change, save it as one batch (one undo);
- ``lights [--asof DATE] [--format json|csv]``: every measure's light, one record each;
- ``changes --since DATE --asof DATE [--format json|csv]``: every change in (since, asof]
  (``layers.progress.changes``), one record each; the count of new reports on stderr.

``layers.__main__`` adds them (:func:`add_progress`) and passes the register merged with the
store, as the app shows it; every expected failure is its ``error:`` line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

USAGE = """subcommands:
  template --out FILE.xlsx [--unit NAME] [--asof DATE] [--lang zh|en] [--store STORE]
  import FILE.xlsx [--on-conflict keep|replace|skip] [--as NAME] [--dry-run] [--asof DATE] [--store STORE]
  lights [--asof DATE] [--format json|csv] [--store STORE]
  changes --since DATE --asof DATE [--format json|csv] [--store STORE]"""


def asof_date(text: str) -> dt.date:
    """``--asof``: a date (2020-12-31, 2020/12/31 or 2020年12月31日) within 2015-2040."""
    from layers.progress.model import EARLIEST, LATEST, read_date

    try:
        day = read_date(text)
    except (TypeError, ValueError):
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in {EARLIEST.year}-{LATEST.year}: write 2020-12-31")
    return day


def add_progress(sub, store_help: str, register) -> None:
    """Add ``progress`` and its subcommands to ``sub``; ``register(store)`` gives the
    register merged with the store and the ids of quarantined records."""
    p = sub.add_parser(
        "progress",
        help="progress on the map: the reporting workbook (template, import) and the lights",
        epilog=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ps = p.add_subparsers(dest="progress_command", required=True)
    t = ps.add_parser("template", help="write the reporting workbook (计划, 节点, 进度), pre-filled from the store")
    t.add_argument("--out", required=True, help="the workbook to write, e.g. 填报表.xlsx")
    t.add_argument("--unit", help="only the measures whose plan names this 责任单位")
    t.add_argument(
        "--asof",
        type=asof_date,
        metavar="DATE",
        help="pre-fill the latest report on or before this date (default today)",
    )
    t.add_argument("--lang", choices=("zh", "en"), default="zh", help="sheet names and headers")
    t.set_defaults(func=_template)
    i = ps.add_parser("import", help="review a filled workbook and save it as one change")
    i.add_argument("file", help="the filled workbook (.xlsx)")
    i.add_argument(
        "--on-conflict",
        choices=("keep", "replace", "skip"),
        help="a plan or report stored with other values: keep the stored one, replace it, or skip the row",
    )
    i.add_argument(
        "--as", dest="reporter", metavar="NAME", help="the reporter written on the reports (default os:USER)"
    )
    i.add_argument("--dry-run", action="store_true", help="print the review and the light changes, save nothing")
    i.add_argument("--asof", type=asof_date, metavar="DATE", help="the date of the light preview (default today)")
    i.set_defaults(func=_import)
    g = ps.add_parser("lights", help="every measure's light as of a date, one record each")
    g.add_argument("--asof", type=asof_date, metavar="DATE", help="default today")
    g.add_argument("--format", choices=("json", "csv"), default="json")
    g.set_defaults(func=_lights)
    c = ps.add_parser("changes", help="every change in the period (since, asof]: lights, milestones, stale measures")
    c.add_argument("--since", type=asof_date, metavar="DATE", required=True, help="the last briefing's date (excluded)")
    c.add_argument("--asof", type=asof_date, metavar="DATE", required=True, help="this briefing's date (included)")
    c.add_argument("--format", choices=("json", "csv"), default="json")
    c.set_defaults(func=_changes)
    for q in (t, i, g, c):
        q.add_argument("--store", help=store_help)
        q.set_defaults(register=register)


def _projects(args):
    projects, quarantined = args.register(args.store)
    if quarantined:
        print(
            f"warning: {len(quarantined)} stored records have problems and are left out: {', '.join(quarantined)}",
            file=sys.stderr,
        )
    return projects


def _template(args) -> int:
    from layers.edits.store import Store
    from layers.progress.workbook import template_rows, write_workbook

    projects = _projects(args)
    with Store(args.store, read_only=True) as store:
        rows = template_rows(projects, unit=args.unit, asof=args.asof, store=store, lang=args.lang)
    path = write_workbook(rows, args.out, lang=args.lang)
    print(f"wrote {path} ({len(rows['plan'])} measures, {len(rows['milestones'])} milestones)")
    return 0


def _import(args) -> int:
    from layers.edits.auth import os_identity
    from layers.edits.store import Store
    from layers.progress.workbook_import import load_file
    from layers.progress.workbook_review import review_workbook

    who = os_identity().name
    data = load_file(args.file)
    projects = _projects(args)
    with Store(args.store, read_only=True) as store:  # the review only reads; saving opens it for writing
        review = review_workbook(data, args.file, projects, reporter=args.reporter or who, store=store, asof=args.asof)
    print(review.text())
    if review.has_errors:
        print(
            "error: some rows have errors (sheet, row and field above); nothing was saved. Fix them and import again.",
            file=sys.stderr,
        )
        return 1
    changes = review.light_changes(args.on_conflict)
    print(f"lights as of {review.asof}:" + ("" if changes else " no light changes"))
    for mid, before, after in changes:
        print(f"  {mid}: {before} → {after}")
    if args.dry_run:
        print("dry run: nothing saved")
        return 0
    if review.conflicts and not args.on_conflict:
        print(
            f"error: {len(review.conflicts)} plan(s) or report(s) are stored with other values (marked 'conflict' "
            "above); nothing was saved. Run again with --on-conflict keep, replace or skip.",
            file=sys.stderr,
        )
        return 1
    rows = review.to_save(args.on_conflict)
    with Store(args.store) as store:
        batch = review.save(store, who, args.on_conflict) if rows else None
        if batch:
            plans = sum(k == "plan" for k, _r in rows)
            print(
                f"saved {len(rows)} rows ({plans} plan(s), {len(rows) - plans} report(s)) to {store.path} "
                f"(change {batch}; undo: python -m layers changes undo {batch})"
            )
        else:
            print(f"no change: every row is already in {store.path} as it is")
    return 0


def lights_records(table) -> list[dict]:
    """``lights_asof``'s frame as records: id first, NaN as None, overdue as a list."""
    out = []
    for mid, row in table.iterrows():
        rec = {"id": mid}
        for col, value in row.items():
            if col == "overdue":
                rec[col] = list(value) if isinstance(value, (list, tuple)) else []
            elif value is None or (isinstance(value, float) and value != value) or value == "":
                rec[col] = None
            else:
                rec[col] = value.item() if hasattr(value, "item") else value
        out.append(rec)
    return out


def _lights(args) -> int:
    import csv
    import json

    from layers._text import defuse
    from layers.edits.store import Store
    from layers.progress.lights import COLUMNS
    from layers.progress.store import lights_asof

    projects = _projects(args)
    asof = args.asof or dt.date.today()
    with Store(args.store, read_only=True) as store:
        records = lights_records(lights_asof(store, list(projects["id"]), asof))
    if args.format == "json":
        print("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]")
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", *COLUMNS])
    for r in records:
        cells = [r["id"], *("; ".join(r[c]) if c == "overdue" else r[c] for c in COLUMNS)]
        writer.writerow(["" if v is None else defuse(v) for v in cells])
    return 0


def _changes(args) -> int:
    """``progress changes``: the records of ``changes_between`` on stdout (a JSON array or
    CSV with a header), then one line ``new reports: N`` on stderr, so stdout stays data."""
    import csv
    import json

    from layers._text import defuse
    from layers.edits.store import Store
    from layers.progress.changes import FIELDS, changes_between, check_period, report_counts

    check_period(args.since, args.asof)  # before reading anything: a ValueError, one line, exit 2
    ids = list(_projects(args)["id"])
    with Store(args.store, read_only=True) as store:
        records = changes_between(store, ids, args.since, args.asof)
        counts = report_counts(store, ids, args.since, args.asof)
    if args.format == "json":
        print("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]" if records else "[]")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows([defuse(r[f]) for f in FIELDS] for r in records)
    print(f"new reports: {counts['total']}", file=sys.stderr)
    return 0
