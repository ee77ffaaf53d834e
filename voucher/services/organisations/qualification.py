"""A place qualifies itself: account and legal identity, eligibility questionnaire,
catalogue of services, addresses of presence, supporting documents, then the operator's
decision, which grants the label for a period.

Rules kept:

* the SIRET is checked (python-stdnum) and must be in the SIRENE extract the operator
  loaded, open (état administratif ``A``); the legal name and the address come from it;
* a SIRET already known is refused (one organisation per establishment);
* each step is saved on its own (leave and come back); the file can be changed while it is
  a draft or sent back for correction, not while the operator examines it nor once
  validated;
* sending the file needs every step, at least one address of presence, an eligible
  questionnaire and the documents the legal form requires;
* the operator validates (every document validated first) or asks for a correction with a
  message; validation grants the label :data:`voucher.domain.places.LABEL_NAME` from today
  for :data:`voucher.domain.places.LABEL_MONTHS` months. Every decision is audited.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import EligibilityQuestion, Organisation, PlaceApplication, PlaceSite, User
from voucher.domain import identity, places, uploads
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.organisations import documents, organisations, sirene

STEPS = ("identite", "questionnaire", "services", "lieux", "documents")
EDITABLE = ("draft", "correction")

register(
    "siret_unknown",
    "Ce SIRET n'est pas dans le répertoire SIRENE chargé : vérifiez-le, ou demandez à "
    "l'opérateur de charger un extrait à jour.",
)
register("siret_closed", "Cet établissement est fermé au répertoire SIRENE.")
register(
    "application_locked",
    "Votre dossier est en cours d'examen ou déjà validé : il ne peut plus être modifié.",
)
register(
    "application_incomplete",
    "Dossier incomplet : terminez chaque étape avant de l'envoyer.",
)
register(
    "not_eligible",
    "D'après vos réponses au questionnaire, votre lieu ne remplit pas les conditions du dispositif.",
)
register(
    "documents_not_validated",
    "Tous les justificatifs doivent être validés avant de valider le dossier.",
)
register("application_not_submitted", "Ce dossier n'a pas été envoyé pour examen.")
register("answer_required", "Répondez à chaque question par oui ou non.")


def application(session: Session, organisation_id: int) -> PlaceApplication:
    found = session.scalar(
        select(PlaceApplication).where(PlaceApplication.organisation_id == organisation_id)
    )
    if found is None:
        raise DomainError("not_found", object="application")
    return found


def _editable(session: Session, organisation_id: int) -> PlaceApplication:
    app = application(session, organisation_id)
    if app.status not in EDITABLE:
        raise DomainError("application_locked")
    return app


def _done(app: PlaceApplication, step: str) -> None:
    app.steps_done = sorted({*app.steps_done, step}, key=STEPS.index)
    app.updated_at = utcnow()


def register_place(
    session: Session, actor: Actor, *, siret: str, email: str, name: str, password: str
) -> tuple[Organisation, User]:
    """Account creation: the organisation from SIRENE, its first person (the place's
    ``reception`` role: never ``admin``, which would let the place grant itself a label),
    and a draft file."""
    try:
        clean = identity.siret(siret)
    except DomainError:
        raise DomainError("invalid_siret", field="siret") from None
    est = sirene.find(session, clean)
    if est is None:
        raise DomainError("siret_unknown", field="siret")
    if not est.active:
        raise DomainError("siret_closed", field="siret")
    if not (est.street and est.postcode and est.town):
        raise DomainError("invalid_address", field="siret")
    org = organisations.create_organisation(
        session,
        actor,
        name=est.legal_name,
        siret=clean,
        address=organisations.Address(
            street_number=est.street_number or "",
            street=est.street,
            postcode=est.postcode,
            town=est.town,
        ),
        commune_insee=est.commune_insee,
        roles={"structure"},
        email=email.strip().lower(),
    )
    user = people.create_user(
        session,
        actor,
        email=email,
        name=name.strip() or email,
        password=password,
        grants=[(org.id, "reception")],
    )
    now = utcnow()
    app = PlaceApplication(
        organisation_id=org.id,
        status="draft",
        answers={},
        steps_done=["identite"],
        created_at=now,
        updated_at=now,
    )
    session.add(app)
    session.flush()
    audit.record(session, actor, "place.register", ("organisation", org.id), siret=clean)
    return org, user


def questions(session: Session) -> list[EligibilityQuestion]:
    return list(
        session.scalars(
            select(EligibilityQuestion)
            .where(EligibilityQuestion.active.is_(True))
            .order_by(EligibilityQuestion.position, EligibilityQuestion.id)
        )
    )


def save_questionnaire(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    legal_form: str,
    answers: dict[int, str],
    phone: str | None = None,
) -> PlaceApplication:
    app = _editable(session, organisation_id)
    if legal_form not in uploads.LEGAL_FORMS:
        raise DomainError("invalid_value", "Choisissez la forme juridique.", field="legal_form")
    kept: dict[str, dict[str, str]] = {}
    for q in questions(session):
        answer = answers.get(q.id)
        if answer not in ("oui", "non"):
            raise DomainError("answer_required", field=f"q{q.id}")
        kept[str(q.id)] = {"question": q.text, "answer": answer, "expected": q.expected}
    app.legal_form, app.answers, app.phone = legal_form, kept, places.phone(phone)
    _done(app, "questionnaire")
    audit.record(
        session, actor, "place.questionnaire", ("organisation", organisation_id), answers=kept
    )
    return app


def eligible(app: PlaceApplication) -> bool:
    return bool(app.answers) and all(a["answer"] == a["expected"] for a in app.answers.values())


def save_services(
    session: Session, actor: Actor, organisation_id: int, *, chosen: list[str], summary: str
) -> PlaceApplication:
    app = _editable(session, organisation_id)
    picked = places.services(chosen)
    if len(summary.strip()) > 280:
        raise DomainError(
            "invalid_value", "Présentation trop longue (280 caractères).", field="summary"
        )
    organisations.get_organisation(session, organisation_id).services = "|".join(picked)
    app.summary = summary.strip() or None
    _done(app, "services")
    audit.record(
        session, actor, "place.services", ("organisation", organisation_id), services=picked
    )
    return app


def add_site(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    name: str,
    address: organisations.Address,
    commune_insee: str | None,
    hours: str | None,
    hours_text: str | None,
    accessibility: list[str],
) -> PlaceSite:
    app = _editable(session, organisation_id)
    if not name.strip():
        raise DomainError("invalid_value", "Champ obligatoire : nom du lieu.", field="site_name")
    address.check()
    site = PlaceSite(
        organisation_id=organisation_id,
        name=name.strip(),
        street_number=address.street_number or None,
        street=address.street,
        postcode=address.postcode,
        town=address.town,
        commune_insee=_insee(commune_insee),
        hours=places.hours(hours),
        hours_text=(hours_text or "").strip()[:500] or None,
        accessibility=places.accessibility(accessibility),
        created_at=utcnow(),
    )
    session.add(site)
    session.flush()
    _done(app, "lieux")
    audit.record(session, actor, "place.site_add", ("organisation", organisation_id), site=site.id)
    return site


def _insee(value: str | None) -> str | None:
    try:
        return identity.insee_commune(value) if value else None
    except DomainError:
        raise DomainError("invalid_insee_code", field="commune_insee") from None


def remove_site(session: Session, actor: Actor, organisation_id: int, site_id: int) -> None:
    app = _editable(session, organisation_id)
    site = session.get(PlaceSite, site_id)
    if site is None or site.organisation_id != organisation_id:
        raise DomainError("not_found", object="site")
    session.delete(site)
    session.flush()
    if not sites(session, organisation_id):
        app.steps_done = [s for s in app.steps_done if s != "lieux"]
    audit.record(
        session, actor, "place.site_remove", ("organisation", organisation_id), site=site_id
    )


def sites(session: Session, organisation_id: int) -> list[PlaceSite]:
    return list(
        session.scalars(
            select(PlaceSite)
            .where(PlaceSite.organisation_id == organisation_id)
            .order_by(PlaceSite.id)
        )
    )


def submit(session: Session, actor: Actor, organisation_id: int) -> PlaceApplication:
    app = _editable(session, organisation_id)
    if documents.missing(session, organisation_id, app.legal_form):
        raise DomainError("application_incomplete", field="documents")
    app.steps_done = sorted({*app.steps_done, "documents"}, key=STEPS.index)
    if set(app.steps_done) != set(STEPS):
        raise DomainError("application_incomplete")
    if not eligible(app):
        raise DomainError("not_eligible")
    app.status, app.submitted_at, app.note = "submitted", utcnow(), None
    audit.record(session, actor, "place.submit", ("organisation", organisation_id))
    return app


def decide(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    validate: bool,
    note: str | None = None,
    today: date | None = None,
) -> PlaceApplication:
    app = application(session, organisation_id)
    if app.status != "submitted":
        raise DomainError("application_not_submitted")
    clean = (note or "").strip()
    if validate:
        if not documents.all_validated(session, organisation_id, app.legal_form):
            raise DomainError("documents_not_validated")
        start = today or paris_date(utcnow())
        until = places.label_until(start)
        organisations.add_label(session, actor, organisation_id, places.LABEL_NAME, start, until)
        app.status, app.label_until = "validated", until
    else:
        if not (0 < len(clean) <= 500):
            raise DomainError("note_required_correction", field="note")
        app.status = "correction"
    app.note, app.decided_at, app.decided_by = clean or None, utcnow(), actor.user_id
    audit.record(
        session,
        actor,
        f"place.{'validated' if validate else 'correction'}",
        ("organisation", organisation_id),
        organisation_id=organisation_id,
        note=app.note,
        label_until=app.label_until.isoformat() if app.label_until else None,
    )
    return app


def queue(session: Session) -> list[tuple[PlaceApplication, Organisation]]:
    rows = session.execute(
        select(PlaceApplication, Organisation)
        .join(Organisation, Organisation.id == PlaceApplication.organisation_id)
        .where(PlaceApplication.status == "submitted")
        .order_by(PlaceApplication.submitted_at)
    ).all()
    return [(a, o) for a, o in rows]
