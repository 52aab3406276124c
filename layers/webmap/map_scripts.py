"""The Python side of the web map's browser scripts (``layers/webmap/js/*.js``).

Each ``.js`` file is one function expression, ``(function(target, data) {...});``, read
once per process. Python calls it with the Leaflet object it works on (the map or an
overlay group) and its data as JSON: the script text never changes with the data, and
no value is ever pasted into it.

The target is passed by the variable name folium gives it, as an argument of the call.
It cannot travel inside the JSON and be looked up by name: streamlit-folium evaluates the
overlay groups' scripts with ``eval`` inside a strict-mode function, so their variables
are local to that ``eval`` and unreachable through ``window``. The name is checked to be
a plain identifier before it is written.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from branca.element import Element, MacroElement, Template

JS_DIR = Path(__file__).parent / "js"

#: Jinja's ``tojson`` escapes these so that JSON placed inside a <script> element can never
#: close it; our payloads are written by hand (see map_layers._FeatureLayer), so they get the same.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def script_json(obj) -> str:
    """JSON that is safe to embed in a <script> element or to eval."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


@cache
def js_function(name: str) -> str:
    """The function expression of ``layers/webmap/js/<name>.js``, without its final semicolon."""
    text = (JS_DIR / f"{name}.js").read_text(encoding="utf-8").strip()
    return text.removesuffix(";")


def js_call(name: str, target: str, payload: str | None = None, var: str = "d") -> str:
    """The script that calls ``name``'s function on the Leaflet object named ``target``
    with ``payload`` (JSON text from ``script_json``), held in the variable ``var``."""
    if not _IDENTIFIER.fullmatch(target):
        raise ValueError(f"not a JavaScript identifier: {target!r}")
    if payload is None:
        return f"{js_function(name)}({target});\n"
    return f"(function() {{\nvar {var} = {payload};\n{js_function(name)}({target}, {var});\n}})();\n"


class _Script(Element):
    """Script text added to the page as it is: never compiled or rendered as a template."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _PlainScriptElement(MacroElement):
    """An element whose script (a ``layers/webmap/js`` function called with JSON) is added to the
    page as plain text. branca's MacroElement.render wraps the rendered script in a new
    Element, which compiles it as a Jinja template: that lexed megabytes of data on every
    rerun, and text such as "{{ ... }}" in an imported title would have been evaluated when
    the page is rendered.

    Subclasses name their script (``_js``) and give its data (``payload``, JSON text, or
    None for a script without data); the target is the parent's variable unless
    ``target`` says otherwise. The template only prints ``script_text()`` (it is kept so
    the script can be read as any folium element's)."""

    _js = ""
    _var = "d"
    payload: str | None = None
    _template = Template("{% macro script(this, kwargs) %}{{ this.script_text() }}{% endmacro %}")

    def target(self) -> str:
        return self._parent.get_name()

    def script_text(self) -> str:
        return js_call(self._js, self.target(), self.payload, self._var)

    def render(self, **kwargs):
        self.get_root().script.add_child(_Script(self.script_text()), name=self.get_name())
