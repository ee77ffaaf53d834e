"""Long work's pages (``/taches/<id>``): the state and progress of a job one asked for."""

from voucher.web.tasks.views import register

__all__ = ["register"]
