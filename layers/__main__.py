"""Command line: ``python -m layers build --out DIR`` and ``python -m layers geocode TEXT...``."""

from __future__ import annotations

import argparse
import json
import sys

from layers._errors import DataError


def _build(args) -> int:
    from layers.build import build, qa_summary

    projects, paths = build(args.out, args.register)
    print(qa_summary(projects))
    for p in paths:
        print(f"wrote {p}")
    return 0


def _geocode(args) -> int:
    from layers.gazetteer import geocode

    keys = ("query", "lon", "lat", "precision", "precision_m", "county_adcode", "county_name", "matched", "status")
    for text in args.text:
        res = geocode(text).to_dict()
        print(json.dumps({k: res[k] for k in keys}, ensure_ascii=False))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="validate and geocode the register, write GeoJSON and GeoPackage")
    b.add_argument("--out", required=True, help="output directory")
    b.add_argument("--register", help="register CSV to build (default: geodata/register.csv)")
    b.set_defaults(func=_build)
    g = sub.add_parser("geocode", help="geocode place texts, one JSON object per line")
    g.add_argument("text", nargs="+", help="place text, e.g. 邹城市大束镇")
    g.set_defaults(func=_geocode)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
