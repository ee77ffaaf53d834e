"""``python -m voucher`` is the ``voucher`` command."""

from voucher.cli.main import main

main()
