"""E-mail rules: what kinds of mail exist, their words in plain French, the password-reset
token, and the retry schedule.

Rules kept:

* a reset token carries 256 random bits; only its SHA-256 is stored; it is good for
  :data:`RESET_VALIDITY` and once;
* every notification kind can be turned off by each person (:data:`NOTIFICATIONS`); the
  password reset cannot (it is asked for);
* a message that fails is tried again after :data:`BACKOFF`; after the last it is failed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from voucher.domain.errors import register
from voucher.domain.money import format_eur

RESET = "password_reset"
LABEL_REMINDER = "label_reminder"
#: notifications a person may turn off, with the words of the "Mes notifications" page
NOTIFICATIONS = {
    "statement_issued": "Relevé de remboursement émis pour mon lieu",
    "hold_to_review": "Scan retenu à vérifier sur un dispositif que je finance",
    "transfer_rejected": "Virement rejeté par la banque",
    "expiry_soon": "Chèques de mes carnets non remis qui expirent dans 30 jours",
    "job_finished": "Tâche longue que j'ai lancée terminée",
    LABEL_REMINDER: "Label de mon lieu qui arrive à échéance",
}
KINDS = (RESET, *NOTIFICATIONS)
#: the kinds of job, as people call them (the job page and its mail)
#: a job kind's name in French (the kinds of voucher.services.jobs.kinds)
JOB_NAMES = {
    "batch.issue": "Émission d'un lot de carnets",
    "print.production": "Fichier de production d'un lot",
    "month.close": "Clôture d'un mois",
    "payment.run": "Ordre de virement (fichier SEPA)",
    "export.fec": "Fichier des écritures comptables (FEC)",
    "export.impact": "Export des indicateurs d'impact",
}
RESET_VALIDITY = timedelta(hours=1)
#: reset mails one person receives in an hour at most (from any number of addresses)
RESETS_PER_HOUR = 3
EXPIRY_NOTICE_DAYS = 30
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SIGNATURE = "\n--\nPass numérique — message automatique, merci de ne pas y répondre.\n"

register(
    "reset_link_invalid", "Ce lien de réinitialisation n'est pas valable : demandez-en un nouveau."
)
register(
    "reset_link_expired",
    "Ce lien de réinitialisation a expiré (il est valable une heure) : demandez-en un nouveau.",
)
register("reset_link_used", "Ce lien a déjà servi : demandez-en un nouveau si besoin.")
register("passwords_differ", "Les deux mots de passe ne sont pas identiques.")
register("unknown_notification", "Notification inconnue.")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def next_attempt(attempts: int) -> timedelta | None:
    """Wait before the next try after ``attempts`` failed tries (None: give up)."""
    return BACKOFF[attempts - 1] if 0 < attempts <= len(BACKOFF) else None


def _body(*paragraphs: str) -> str:
    return "Bonjour,\n\n" + "\n\n".join(paragraphs) + "\n" + SIGNATURE


def reset_message(link: str) -> tuple[str, str]:
    return "Réinitialiser votre mot de passe", _body(
        "Vous avez demandé à changer le mot de passe de votre compte pass numérique.",
        f"Choisissez un nouveau mot de passe en suivant ce lien, valable une heure et une "
        f"seule fois :\n{link}",
        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.",
    )


def statement_message(number: str, period: str, total_cents: int, link: str) -> tuple[str, str]:
    return f"Relevé de remboursement {number}", _body(
        f"Le relevé {number} de la période {period} est émis : {format_eur(total_cents)} vous "
        f"seront remboursés par virement.",
        f"Consultez-le : {link}",
    )


def hold_message(programme: str, structure: str, link: str) -> tuple[str, str]:
    return "Un scan est retenu et attend votre vérification", _body(
        f"Un chèque du dispositif « {programme} » scanné par {structure} a été retenu par "
        f"une règle de contrôle. Il attend la décision d'une autre personne que celle qui "
        f"l'a scanné.",
        f"File des vérifications : {link}",
    )


def transfer_message(statement: str, amount_cents: int, reason: str, link: str) -> tuple[str, str]:
    return f"Virement rejeté pour le relevé {statement}", _body(
        f"La banque a rejeté le virement de {format_eur(amount_cents)} du relevé {statement} "
        f"(motif : {reason or 'non précisé'}). La somme redevient à payer ; les coordonnées "
        f"bancaires du lieu sont à vérifier avant un nouveau virement.",
        f"Détail : {link}",
    )


def expiry_message(programme: str, until: date, vouchers: int, link: str) -> tuple[str, str]:
    last = until.strftime("%d/%m/%Y")
    return f"Des chèques « {programme} » expirent le {last}", _body(
        f"Vos carnets non remis du dispositif « {programme} » comptent {vouchers} chèque(s) "
        f"valables jusqu'au {last}. Remettez-les avant cette date : après, ils ne pourront "
        f"plus être encaissés.",
        f"Vos carnets : {link}",
    )


def job_message(kind: str, state: str, link: str) -> tuple[str, str]:
    outcome = "est terminée" if state == "done" else "a échoué"
    kind = JOB_NAMES.get(kind, kind)
    return f"Votre tâche « {kind} » {outcome}", _body(
        f"La tâche « {kind} » que vous avez lancée {outcome}.", f"Résultat : {link}"
    )
