"""Commands added by later features (print, apikey, close, export...), one line each."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from voucher.web import cli_holds  # voucher holds list|release|reject (#6)

    main.add_command(cli_holds.holds)
    from voucher.web import cli_apikey  # voucher apikey create|list|revoke (#5)

    main.add_command(cli_apikey.apikey)
    from voucher.web import cli_print  # voucher print proof|approve|production|csv|replace (#3)

    main.add_command(cli_print.print_group)
    from voucher.web import cli_impact  # voucher export impact|research|grant-research (#8)

    cli_impact.register(main)
    from voucher.web import (
        cli_finance,  # voucher close|statements|payrun|camt|fec|trial-balance|credit-notes (#7)
    )

    cli_finance.register(main)
