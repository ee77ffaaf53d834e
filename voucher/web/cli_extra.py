"""Commands added by later features (print, apikey, close, export...), one line each."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    pass
