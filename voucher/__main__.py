"""``python -m voucher`` is the ``voucher`` command."""

from voucher.web.cli import main

main()
