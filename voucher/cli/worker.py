"""``voucher worker``: the job worker (huey's consumer) for long work off the request.

At start, it sends again every job left queued or running (a worker killed half-way wrote
none of the job's work; the job runs again, once). ``voucher serve`` starts one alongside
gunicorn; run it alone with ``voucher worker`` (e.g. on another host, with Redis).
"""

from __future__ import annotations

import click

from voucher.cli.common import console


@click.command(help="Lance l'exécuteur des tâches longues (file huey).")
@click.option("--threads", default=2, show_default=True, help="Tâches menées en parallèle.")
def worker(threads: int) -> None:
    from voucher.services.jobs import queue
    from voucher.services.jobs import worker as jobs_worker

    huey = queue.queue()
    again = jobs_worker.unfinished()
    for job_id in again:
        queue.send(job_id)
    console.print(f"Exécuteur des tâches démarré ({len(again)} tâche(s) reprise(s)).")
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=True, max_delay=2.0
    )
    consumer.run()
