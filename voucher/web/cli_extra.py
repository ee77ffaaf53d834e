"""Commands added by later features (print, apikey, close, export...), one line each."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from voucher.web import cli_holds  # voucher holds list|release|reject (#6)
    main.add_command(cli_holds.holds)
    from voucher.web import cli_apikey  # voucher apikey create|list|revoke (#5)
    main.add_command(cli_apikey.apikey)
    from voucher.web import cli_impact  # voucher export impact|research|grant-research (#8)
    cli_impact.register(main)
