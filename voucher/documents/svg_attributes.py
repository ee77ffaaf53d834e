"""SVG charts that a strict Content-Security-Policy lets through.

The pages forbid inline styles (no ``'unsafe-inline'``), and matplotlib writes its SVG with
``style="…"`` attributes and a ``<style>`` element, which the browser would then ignore
(black bars, no axes). Every declaration it writes is also an SVG presentation attribute,
so :func:`presentational` rewrites ``style="fill: #fff; stroke-width: 0.8"`` as
``fill="#fff" stroke-width="0.8"`` and moves the ``<style>`` element's ``*{…}`` defaults
to the root element, where they are inherited. The drawing is the same.
"""

from __future__ import annotations

import html
import re

_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_PROPERTY = re.compile(r"^[a-z-]+$")


def _attributes(declarations: str) -> str:
    out = []
    for declaration in declarations.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name or not value or not _PROPERTY.match(name):
            continue
        out.append(f' {name}="{html.escape(value.replace(chr(39), ""), quote=True)}"')
    return "".join(out)


def presentational(svg: str) -> str:
    """The same SVG without ``style`` attributes or ``<style>`` elements."""
    svg = _METADATA.sub("", svg)
    found = _STYLE_ELEMENT.search(svg)
    defaults = _attributes(found.group(1)) if found else ""
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = re.sub(r"<defs>\s*</defs>", "", svg)
    svg = _STYLE_ATTR.sub(lambda m: _attributes(m.group(1)), svg)
    if defaults:
        svg = re.sub(r"<svg\b", "<svg" + defaults, svg, count=1)
    return svg
