"""Commands added by later features (print, apikey, close, export...), one line each."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from voucher.cli import holds  # voucher holds list|release|reject (#6)

    main.add_command(holds.holds)
    from voucher.cli import apikeys  # voucher apikey create|list|revoke (#5)

    main.add_command(apikeys.apikey)
    from voucher.cli import printing  # voucher print proof|approve|production|csv|replace (#3)

    main.add_command(printing.print_group)
    from voucher.cli import impact  # voucher export impact|research|grant-research (#8)

    impact.register(main)
    from voucher.cli import finance

    finance.register(main)
