"""``voucher worker``: the job worker (huey's consumer) for long work off the request.

At start, it sends again every job left queued or running (a worker killed half-way wrote
none of the job's work but the chunks it committed; the job goes on from there, once). It
runs at a lower CPU priority (``--nice``, default 10) so that desks served by gunicorn on
the same host keep their usual latency while a long job runs. ``voucher serve`` starts one alongside
gunicorn; run it alone with ``voucher worker`` (e.g. on another host, with Redis).
"""

from __future__ import annotations

import os

import click

from voucher.cli.common import console


@click.command(help="Lance l'exécuteur des tâches longues (file huey).")
@click.option("--threads", default=2, show_default=True, help="Tâches menées en parallèle.")
@click.option(
    "--nice",
    default=10,
    show_default=True,
    type=click.IntRange(0, 19),
    help="Priorité CPU abaissée d'autant (0 : inchangée) : les guichets passent d'abord.",
)
def worker(threads: int, nice: int) -> None:
    from voucher.services.jobs import queue
    from voucher.services.jobs import worker as jobs_worker

    if nice and hasattr(os, "nice"):
        os.nice(nice)  # the desks' requests first, on a host the worker shares with them
    huey = queue.queue()
    again = jobs_worker.unfinished()
    for job_id in again:
        queue.send(job_id)
    console.print(f"Exécuteur des tâches démarré ({len(again)} tâche(s) reprise(s)).")
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=True, max_delay=2.0
    )
    consumer.run()
