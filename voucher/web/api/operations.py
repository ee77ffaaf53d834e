"""Every operation of the JSON API as the contract states it: its ``operationId``, its tag
(the capability it belongs to), what it does and changes in French and in English, and the
refusal codes of the catalogue (:mod:`voucher.domain.errors`) it can answer besides the
ones every operation of its kind can (see :mod:`voucher.web.api.contract`).

One entry per ``METHOD /path`` of the document; a test keeps both lists equal.
"""

from __future__ import annotations

from voucher.domain import cursor, printing
from voucher.web.api.operation_types import SCAN_REFUSALS, TAGS, Operation
from voucher.web.api.operations_scanning import SCANNING

#: modules whose codes the operations name (they register them in the catalogue)
REGISTERING = (cursor, printing)

__all__ = ["OPERATIONS", "SCAN_REFUSALS", "TAGS", "Operation"]

OPERATIONS: dict[str, Operation] = {
    o.key: o
    for o in (
        *SCANNING,
        Operation(
            "GET /api/v1/ping",
            "ping",
            "access",
            "Le service répond (sans clé, sans base de données). Ne change rien.",
            "The service answers (no key, no database). Changes nothing.",
        ),
        Operation(
            "GET /api/v1/me",
            "getMe",
            "access",
            "La clé qui appelle : son organisation, son rôle, ses droits, ses limites, "
            "et pour une clé de lieu (reception) les dispositifs qu'elle peut encaisser. "
            "Ne change rien.",
            "The calling key: its organisation, role, scopes and limits; for a reception key "
            "the programmes it may accept. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/programmes",
            "listProgrammes",
            "programmes",
            "Les dispositifs financés par l'organisation de la clé. Ne change rien.",
            "Programmes funded by the key's organisation. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/programmes/{programme_id}",
            "getProgramme",
            "programmes",
            "Un dispositif. Ne change rien.",
            "One programme. Changes nothing.",
        ),
        Operation(
            "POST /api/v1/batches",
            "issueBatch",
            "issuing",
            "Émettre un lot de carnets pour un prescripteur (clé funder). Crée le lot, ses "
            "carnets et leurs chèques (non actifs tant que les fonds ne sont pas reçus).",
            "Issue a batch of books for a prescriber (funder key). Creates the batch, its "
            "books and their vouchers (inactive until funds are received).",
            ("not_a_prescriber", "invalid_quantity", "programme_closed", "insufficient_funds"),
            idempotent=True,
        ),
        Operation(
            "GET /api/v1/jobs/{job_id}",
            "getJob",
            "issuing",
            "Une tâche longue de l'organisation de la clé (un grand lot émis hors de la "
            "requête : réponse 202) : état, avancement, résultat. Ne change rien.",
            "A long job of the key's organisation (a large batch issued off the request: "
            "a 202 answer): state, progress, result. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/jobs/{job_id}/file",
            "getJobFile",
            "issuing",
            "Le fichier produit par une tâche terminée de l'organisation de la clé (fichier "
            "d'impression...). Ne change rien.",
            "The file a finished job of the key's organisation produced (a print file...). "
            "Changes nothing.",
        ),
        Operation(
            "POST /api/v1/batches/{batch_id}/print-jobs",
            "startBatchPrintJob",
            "issuing",
            "Produire le fichier d'impression de production du lot par une tâche (clé "
            "funder ; Idempotency-Key conseillé) : réponse 202 et la tâche, dont le "
            "`result_url` est le fichier une fois terminée.",
            "Produce the batch's production print file with a job (funder key; "
            "Idempotency-Key advised): a 202 answer and the job, whose `result_url` is the "
            "file once done.",
            ("proof_not_approved", "proof_missing", "batch_issuing"),
        ),
        Operation(
            "GET /api/v1/batches",
            "listBatches",
            "issuing",
            "Les lots visibles par la clé, par curseur ; `updated_since` pour les "
            "changements. Ne change rien.",
            "Batches the key may see, cursor-paginated; `updated_since` for changes. "
            "Changes nothing.",
        ),
        Operation(
            "GET /api/v1/batches/{batch_id}",
            "getBatch",
            "issuing",
            "Un lot. Ne change rien.",
            "One batch. Changes nothing.",
        ),
        Operation(
            "POST /api/v1/batches/{batch_id}/activate",
            "activateBatch",
            "issuing",
            "Activer un lot dont les fonds sont reçus (clé funder) : ses chèques deviennent "
            "utilisables et les fonds sont engagés.",
            "Activate a batch whose funds are received (funder key): its vouchers become "
            "usable and the funds are committed.",
            ("batch_already_active", "batch_issuing", "insufficient_funds", "programme_closed"),
            idempotent=True,
        ),
        Operation(
            "POST /api/v1/batches/{batch_id}/acknowledge",
            "acknowledgeBatch",
            "issuing",
            "Confirmer la réception des carnets d'un lot (clé prescriber) : date la réception.",
            "Acknowledge receipt of a batch's books (prescriber key): records the date.",
            ("already_acknowledged",),
            idempotent=True,
        ),
        Operation(
            "GET /api/v1/batches/{batch_id}/codes.csv",
            "exportBatchCodes",
            "issuing",
            "Les codes des chèques d'un lot, en CSV (clé funder). Ne change rien.",
            "The vouchers' codes of a batch, as CSV (funder key). Changes nothing.",
        ),
        Operation(
            "GET /api/v1/batches/{batch_id}/print.pdf",
            "downloadBatchPrintFile",
            "issuing",
            "Le fichier d'impression de production du lot (BAT validé ; clé funder). "
            "Enregistre son empreinte SHA-256 et un événement d'audit.",
            "The batch's production print file (approved proof; funder key). Records its "
            "SHA-256 and an audit event.",
            ("proof_not_approved", "proof_missing"),
        ),
        Operation(
            "GET /api/v1/books",
            "listBooks",
            "issuing",
            "Les carnets visibles par la clé (ses dispositifs, ou ceux qu'elle détient), par "
            "curseur ; « updated_since » : ceux émis, remis, signalés, confiés ou dont un "
            "chèque a changé d'état depuis. Ne change rien.",
            "Books the key may see (its programmes', or those it holds), cursor-paginated; "
            "`updated_since`: those issued, handed out, reported, moved or with a voucher "
            "that changed state since. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/books/{serial}",
            "getBook",
            "issuing",
            "Un carnet (sans son bénéficiaire). Ne change rien.",
            "One book (never its beneficiary). Changes nothing.",
        ),
        Operation(
            "POST /api/v1/books/{serial}/move",
            "moveBook",
            "issuing",
            "Confier un carnet non remis à un autre prescripteur : change son détenteur.",
            "Move a book not yet handed out to another prescriber: changes its holder.",
            ("book_not_held", "book_already_handed_out", "book_unusable", "not_a_prescriber"),
            idempotent=True,
        ),
        Operation(
            "POST /api/v1/books/{serial}/hand-out",
            "handOutBook",
            "issuing",
            "Remettre un carnet à un bénéficiaire (profil pseudonyme ; clé prescriber) : "
            "enregistre la remise et le profil, jamais l'identité.",
            "Hand a book out to a beneficiary (pseudonymous profile; prescriber key): "
            "records the hand-out and the profile, never the identity.",
            (
                "book_not_held",
                "book_already_handed_out",
                "book_unusable",
                "invalid_value",
                "impossible_profile",
            ),
            idempotent=True,
        ),
        Operation(
            "POST /api/v1/books/{serial}/follow-up",
            "recordFollowUp",
            "issuing",
            "Noter le suivi d'un carnet remis (clé prescriber qui l'a remis, ou reception d'un "
            "lieu qui a pris un de ses chèques) : « a fait seule la démarche depuis » sur "
            "l'échelle nationale d'autonomie, à la dernière séance ou après. Ajoute une réponse.",
            "Record the follow-up answer for a handed-out book (the prescriber key that handed "
            "it out, or a reception key of a place that took one of its vouchers): 'has done "
            "the procedure alone since', on the national autonomy scale, on the day of the last "
            "session or later. Adds one answer.",
            (
                "book_not_handed_out",
                "follow_up_no_session",
                "follow_up_before_last_session",
                "follow_up_after_first_session",
                "follow_up_in_future",
                "follow_up_invalid_answer",
                "invalid_value",
            ),
            idempotent=True,
        ),
        Operation(
            "POST /api/v1/books/{serial}/report",
            "reportBook",
            "issuing",
            "Déclarer un carnet perdu ou volé : ses chèques non utilisés sont annulés.",
            "Report a book lost or stolen: its unused vouchers are cancelled.",
            ("book_unusable", "book_not_held", "invalid_value"),
            idempotent=True,
        ),
        Operation(
            "GET /api/v1/structures",
            "listStructures",
            "organisations",
            "Les lieux qui encaissent les chèques (annuaire public). Ne change rien.",
            "Places that accept vouchers (public directory). Changes nothing.",
        ),
        Operation(
            "GET /api/v1/structures/{structure_id}",
            "getStructure",
            "organisations",
            "Un lieu. Ne change rien.",
            "One place. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/statements",
            "listStatements",
            "money",
            "Les relevés de remboursement visibles par la clé (son lieu, ou ses dispositifs), "
            "par curseur ; « updated_since » : ceux émis, envoyés en paiement, payés ou "
            "rejetés depuis. Ne change rien.",
            "Reimbursement statements the key may see (its place's, or its programmes'), "
            "cursor-paginated; `updated_since`: those issued, sent for payment, paid or "
            "rejected since. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/statements/{statement_id}",
            "getStatement",
            "money",
            "Un relevé : sa période, son total, son état de paiement. Ne change rien.",
            "One statement: its period, total and payment status. Changes nothing.",
        ),
        Operation(
            "GET /api/v1/audit/check",
            "checkLedger",
            "money",
            "Recalcule tout le journal et dit ce qui ne va pas (clé finance ou admin). "
            "Ne change rien.",
            "Recomputes the whole journal and reports what is wrong (finance or admin key). "
            "Changes nothing.",
        ),
        Operation(
            "POST /api/v1/webhooks",
            "registerWebhook",
            "webhooks",
            "Enregistrer une adresse de notification de l'organisation de la clé et ses "
            "événements. Crée l'abonnement ; le secret de signature n'est montré qu'ici.",
            "Register a notification URL of the key's organisation and its events. Creates "
            "the subscription; the signing secret is shown only in this answer.",
            ("invalid_webhook_url", "unknown_event"),
        ),
        Operation(
            "GET /api/v1/webhooks",
            "listWebhooks",
            "webhooks",
            "Les adresses de notification de l'organisation et leurs derniers envois "
            "(statut, essais). Ne change rien.",
            "The organisation's notification URLs and their last deliveries (status, "
            "attempts). Changes nothing.",
        ),
        Operation(
            "POST /api/v1/webhooks/deliveries/{delivery_id}/replay",
            "replayWebhookDelivery",
            "webhooks",
            "Renvoyer une notification : elle redevient à envoyer, avec le même identifiant "
            "d'événement et le même corps.",
            "Replay a delivery: it is due again, with the same event id and the same body.",
        ),
    )
}
