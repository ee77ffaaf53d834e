"""The attacker against successive releases: what earlier releases published is known
(counts only grow, the same period unchanged gives the same count), so a count that grew
by 1 to threshold - 1 people since is a small group, like any masked count. A release is
protected against everything published before it; a scan released from hold after a
release changes nothing that was published.
"""

from __future__ import annotations

import dataclasses
import random

from tests import factories as f
from tests.adversary import worlds as w
from tests.impact_world import crowd
from voucher.db.engine import unit_of_work
from voucher.domain.suppression import TOTAL
from voucher.services.impact import joint, protect, release, secrecy


def _month(world: list[w.Book], rng: random.Random, people: int, start: int) -> list[w.Book]:
    """A month later: a few more people, and some books used a little more."""
    later = []
    for b in world:
        if b.person is not None and 0 < b.used < b.size and rng.random() < 0.3:
            b = dataclasses.replace(b, used=b.used + 1, months=(*b.months, "2026-12"))
        later.append(b)
    later += [
        dataclasses.replace(x, person=start + (x.person or 0))
        for x in w.draw(rng, people)
        if x.person is not None
    ]
    return later


def _published(reports, same=False):
    return [secrecy.prior_of(r, same=same) for r in reports]


def test_two_successive_monthly_releases_leave_no_increment_narrowed() -> None:
    rng = random.Random(2026)
    october = w.draw(rng, 40)
    november = _month(october, rng, 6, 1000)
    first = joint.protect_release(w.views(october))
    assert not secrecy.audit(w.views(october), first)
    prior = _published(first)
    alone = joint.protect_release(w.views(november))
    leaks = secrecy.audit(w.views(november), alone, prior=prior)
    assert any(f.sensitive.since is not None for f in leaks), (
        "protected without the earlier release, the second one gives small increments away"
    )
    second = joint.protect_release(w.views(november), prior=prior)
    leaks = secrecy.audit(w.views(november), second, prior=prior)
    assert not leaks, [(x.sensitive.describe(), x.low, x.high) for x in leaks]


def test_a_grand_total_may_grow_by_a_few_people_but_nothing_it_adds_up_is_given_away() -> None:
    """Totals over everyone (every row and zone of a view, or one programme's row) that
    grew by 1 to 10 people are not small groups in themselves, so a monthly release keeps
    its headline; the counts they add up that grew by as few are protected, and the
    attacker who knows both releases narrows none of them (a total that grew by fewer
    than the protection interval is masked anyway: it would pin the part that grew)."""
    rng = random.Random(2027)
    october = w.draw(rng, 150)
    november = october + [  # seven people got a book in November, not used yet
        dataclasses.replace(x, person=1000 + (x.person or 0), used=0, months=(), places=(), noted=0)
        for x in w.draw(rng, 7)
        if x.person is not None
    ]
    first = joint.protect_release(w.views(october))
    prior = _published(first)
    raws = w.views(november)
    second = joint.protect_release(raws, prior=prior)
    grew, protected = [], []
    for raw, view in zip(raws, second, strict=True):
        before = {
            k: v for p in prior if p.programmes == view_ids(view) for k, v in p.values.items()
        }
        small = {
            (x.table, x.row, x.zone, x.measure)
            for x in secrecy.sensitive(raw, view, 0, before)
            if x.since is not None
        }
        protected += small
        for t in view.tables:
            for r in t.rows:
                if not secrecy.grand_total(t.name, r.code, r.zone):
                    continue
                for m in secrecy.people_counts(t.dimension.family):
                    old, now = before.get((t.name, r.code, r.zone, m)), r.values.get(m)
                    if r.code == TOTAL:  # the view's headline (a programme's row may be
                        assert now is not None, (t.name, m)  # masked for its own counts)
                    if old is not None and now is not None and 0 < now - old < 11:
                        grew.append((t.name, r.code, m, now - old))
    assert grew, "the world must have totals that grew by a few people"
    assert protected, "and counts under them that grew by as few, protected"
    leaks = secrecy.audit(raws, second, prior=prior)
    assert not leaks, [(x.sensitive.describe(), x.low, x.high) for x in leaks]


def view_ids(view: protect.Report) -> frozenset[int]:
    return frozenset(i for i, _ in view.programmes)


def test_a_hold_released_after_a_release_is_not_given_away_by_the_next_one() -> None:
    """The issue's case: one held scan released moves cells by one. Published again for
    the same month, every cell that moved by one is protected like a group of one."""
    rng = random.Random(9)
    world = w.draw(rng, 40)
    first = joint.protect_release(w.views(world))
    i = next(k for k, b in enumerate(world) if b.person is not None and b.used == 0)
    held = world[i]
    world[i] = dataclasses.replace(held, used=1, places=(1,), months=("2026-11",))
    prior = _published(first, same=True)
    live = joint.protect_release(w.views(world))  # a live view, as /impact once was
    assert any(
        f.sensitive.since is not None for f in secrecy.audit(w.views(world), live, prior=prior)
    )
    again = joint.protect_release(w.views(world), prior=prior)
    assert not secrecy.audit(w.views(world), again, prior=prior)
    before, after = first[0], again[0]
    for t_before, t_after in zip(before.tables, after.tables, strict=True):
        old = {(r.code, r.zone): r.values for r in t_before.rows}
        for r in t_after.rows:
            if secrecy.grand_total(t_after.name, r.code, r.zone):
                continue  # "one more person started, somewhere": nobody's profile
            for m in secrecy.people_counts(t_after.dimension.family):
                was, now = old.get((r.code, r.zone), {}).get(m), r.values.get(m)
                assert was is None or now is None or now == was or abs(now - was) >= 11, (
                    t_after.name,
                    r.code,
                    r.zone,
                    m,
                    was,
                    now,
                )


def test_two_monthly_releases_through_the_database_leave_nothing_narrowed(databases) -> None:
    """The real SQL path: the crowd's March, then its April (more sessions, the same
    people), published one after the other and attacked with everything published."""
    with unit_of_work(databases.engine()) as s:
        crowd(s, rural=30, urban=26, tiny=3)
        march = release.publish(s, f.ACTOR, period="2026-03")
        april = release.publish(s, f.ACTOR, period="2026-04")
        shown = [release.thaw(v) for v in april.views]
        prior = [secrecy.prior_of(release.thaw(v)) for v in march.views]
        first = secrecy.audit(
            release.views(s, None, release.period_end("2026-03")),
            [release.thaw(v) for v in march.views],
        )
        leaks = secrecy.audit(
            release.views(s, None, release.period_end("2026-04")), shown, prior=prior
        )
        s.rollback()
    assert not first and not leaks, [(x.sensitive.describe(), x.low, x.high) for x in leaks]
    assert march.views != april.views  # April has more sessions
    assert march.digest != april.digest and april.number == march.number + 1
    assert protect.key_figures(shown[0])["beneficiaires"] is not None


def test_vouchers_scanned_before_any_hand_out_still_publish_and_stay_protected(databases) -> None:
    """A voucher never handed out may be scanned (allowed, flagged: DOMAIN.md). Its active
    places then stand on vouchers cashed, not on a carnet started or a person; the
    attacker's model once assumed the latter and found every such release infeasible."""
    from tests.services.finance import finance_world as fw

    with unit_of_work(databases.engine()) as s:
        world = fw.world(s, structures=2)
        for i in range(2):
            fw.scan(s, world, fw.paris(2026, 9, 3 + i), structure=i)
        published = release.publish(s, f.ACTOR, period="2026-09")
        views = release.views(s, None, release.period_end("2026-09"))
        assert not secrecy.audit(views, [release.thaw(v) for v in published.views])
        shown = release.thaw(published.views[0])
        assert shown.table("par_lieu").rows  # the two places are there, protected
