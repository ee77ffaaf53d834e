"""A fictitious but realistic pilot: a foundation and a département co-finance 10 € vouchers
in books of 10 across a rural and an urban zone of the Vienne. ALL DATA IS FICTITIOUS:
organisations, SIRETs, IBANs and people are invented (codes are valid only in form).

:func:`build` replays the pilot from January to ``today`` with one seeded random generator,
so the same seed gives the same demo (same figures; only the vouchers' random codes
differ, and nothing is ordered by them): :mod:`.pilot` sets up the reference world and the
batches, :mod:`.activity` the months of hand-outs and scans, :mod:`.history` the months
closed and paid (with a returned transfer paid again) and the holds decided, and
:mod:`.positions` where the places are (the letter's distances).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from voucher.domain.calendar import at, utcnow
from voucher.services.demo import activity, follow_ups, history, pilot, positions
from voucher.services.demo.pilot import DEMO_PASSWORD, DemoSummary
from voucher.services.finance import ledger_audit

__all__ = ["DEMO_PASSWORD", "NOTICE", "DemoSummary", "build"]

NOTICE = "Données fictives de démonstration : aucune personne ni organisation réelle."


def build(
    session: Session,
    *,
    seed: int = 42,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    today = today or utcnow().date()
    say = progress or (lambda _msg: None)
    start = date(today.year, 1, 5)
    with at(datetime.combine(start, datetime.min.time(), UTC)):
        say("Organisations, zones et dispositif")
        world = pilot.reference(session, today.year)
        positions.locate(session, world)
        say("Comptes de démonstration")
        summary = DemoSummary(programme_id=world.programme.id)
        users = pilot.logins(session, world, summary)
        say("Lots de carnets, versements et activation")
        issued = pilot.issue_and_fund(session, rng, world, start, summary)
    say("Remises de carnets et séances, mois par mois")
    activity.months_of_activity(
        session, rng, world, issued, users["accueil"], summary, start, today
    )
    say("Suivi avant/après et liste d'attente")
    follow_ups.record_all(session, random.Random(seed + 1), world, today)
    say("Scans suspects : retenues et alertes")
    activity.suspicious_scans(session, world.structures, users, summary, today)
    say("Mois clôturés, relevés payés, retour de virement, retenues tranchées")
    history.record(session, world, users, summary, today)
    say("Scellement du journal")
    ledger_audit.seal(session)
    return summary
