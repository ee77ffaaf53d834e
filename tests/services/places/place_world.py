"""A place walking through qualification, built through the services (shared by tests)."""

from __future__ import annotations

from pathlib import Path

from tests import factories as f
from voucher.services.organisations import documents, organisations, qualification, sirene

EXTRACT = Path(__file__).resolve().parents[2] / "files" / "StockEtablissement_extrait.csv"
POITIERS = "50000001300010"
CHATELLERAULT = "50000002100013"
CLOSED = "50000003900015"
LYON = "50000005400014"
NO_ADDRESS = "50000006200017"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def load_extract(session) -> tuple[int, int]:
    with EXTRACT.open(encoding="utf-8") as lines:
        return sirene.load(session, f.ACTOR, lines)


def ready_place(session, store: Path, siret: str = POITIERS, email: str = "lieu@exemple.test"):
    """A place whose file is complete and submitted (an association)."""
    org, user = qualification.register_place(
        session, f.ACTOR, siret=siret, email=email, name="Awa Diallo", password="x" * 12
    )
    qs = qualification.questions(session)
    qualification.save_questionnaire(
        session, f.ACTOR, org.id, legal_form="association", answers={q.id: "oui" for q in qs}
    )
    qualification.save_services(
        session,
        f.ACTOR,
        org.id,
        chosen=[
            "Aide aux démarches administratives",
            "Maîtrise des outils numériques du quotidien",
        ],
        summary="Accompagnement au numérique pour tous.",
    )
    qualification.add_site(
        session,
        f.ACTOR,
        org.id,
        name="Cyber-base du Clain",
        address=organisations.Address("12", "rue des Écoles", "86000", "Poitiers"),
        commune_insee="86194",
        hours="Mo-Fr 09:00-12:00,14:00-17:30",
        hours_text=None,
        accessibility=["fauteuil"],
    )
    for kind in ("statuts", "rib", "rna"):
        documents.upload(
            session, f.ACTOR, store, org.id, kind=kind, filename=f"{kind}.pdf", data=PDF
        )
    qualification.submit(session, f.ACTOR, org.id)
    return org, user
