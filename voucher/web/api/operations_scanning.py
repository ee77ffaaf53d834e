"""The scanning operations of the API (checking, scanning, cancelling, offline packs and
batches): their entries of :data:`voucher.web.api.operations.OPERATIONS`."""

from __future__ import annotations

from voucher.web.api.operation_types import SCAN_REFUSALS, Operation

SCANNING: tuple[Operation, ...] = (
    Operation(
        "GET /api/v1/vouchers/{code}",
        "checkVoucher",
        "scanning",
        "Ce chèque serait-il accepté ici, maintenant ? (clé reception). N'encaisse rien ; "
        "un code mal saisi ou inconnu compte comme une tentative (anti-devinette).",
        "Would this voucher be accepted here, now? (reception key). Redeems nothing; a "
        "mistyped or unknown code counts as an attempt (code-guessing protection).",
        ("mistyped_code", "unknown_code", "too_many_attempts", "locked"),
        limited=True,
    ),
    Operation(
        "POST /api/v1/redemptions",
        "redeemVoucher",
        "scanning",
        "Encaisser un chèque au lieu de la clé (clé reception). Crée un encaissement "
        "(accepté, ou en attente de vérification) et ses écritures ; un refus est "
        "enregistré et rejoué tel quel pour la même Idempotency-Key.",
        "Redeem a voucher at the key's place (reception key). Creates a redemption "
        "(accepted, or held for review) and its journal entries; a refusal is recorded "
        "and replayed as is for the same Idempotency-Key.",
        (*SCAN_REFUSALS, "scan_id_reused"),
        idempotent=True,
        limited=True,
    ),
    Operation(
        "GET /api/v1/redemptions",
        "listRedemptions",
        "scanning",
        "Les scans visibles par la clé, par curseur ; `updated_since` pour ne relire "
        "que ce qui a changé (annulations, vérifications tranchées). Ne change rien.",
        "Redemptions the key may see, cursor-paginated; `updated_since` returns only "
        "what changed (cancellations, decided holds). Changes nothing.",
    ),
    Operation(
        "POST /api/v1/redemptions/batch",
        "redeemBatch",
        "scanning",
        "Envoyer jusqu'à 1 000 scans faits hors ligne, chacun avec son scan_id (clé "
        "reception). Crée un encaissement par scan accepté ; chaque scan est rejouable "
        "par son scan_id.",
        "Upload up to 1,000 scans made offline, each with its scan_id (reception key). "
        "Creates one redemption per accepted scan; each scan replays by its scan_id.",
        ("too_many_attempts", "locked"),
        limited=True,
    ),
    Operation(
        "GET /api/v1/redemptions/{redemption_id}",
        "getRedemption",
        "scanning",
        "Un scan. Ne change rien.",
        "One redemption. Changes nothing.",
    ),
    Operation(
        "POST /api/v1/redemptions/{redemption_id}/cancel",
        "cancelRedemption",
        "scanning",
        "Annuler un scan (reception : ses propres scans dans le délai ; finance : avant "
        "paiement). Le chèque redevient utilisable et les écritures sont contrepassées.",
        "Cancel a redemption (reception: its own, within the window; finance: before "
        "payment). The voucher becomes usable again and the entries are reversed.",
        ("cancel_window_passed", "not_your_scan", "already_cancelled", "already_paid"),
        idempotent=True,
    ),
    Operation(
        "GET /api/v1/holds",
        "listHolds",
        "scanning",
        "Les passages en attente de vérification (ou tranchés) des dispositifs de la clé. "
        "Ne change rien.",
        "Holds (scans parked for review, or decided) of the key's programmes. Changes nothing.",
    ),
    Operation(
        "GET /api/v1/holds/{hold_id}",
        "getHold",
        "scanning",
        "Un passage en attente. Ne change rien.",
        "One hold. Changes nothing.",
    ),
    Operation(
        "GET /api/v1/disputes",
        "listDisputes",
        "scanning",
        "Les litiges hors ligne (acceptations faites hors ligne que le serveur a refusées "
        "à l'envoi) visibles par la clé, par curseur ; « updated_since » : ceux ouverts "
        "ou tranchés depuis. Ne change rien.",
        "Offline disputes (acceptances made offline that the server refused on upload) "
        "the key may see, cursor-paginated; `updated_since`: those opened or decided "
        "since. Changes nothing.",
    ),
    Operation(
        "GET /api/v1/disputes/{dispute_id}",
        "getDispute",
        "scanning",
        "Un litige hors ligne : son motif, et s'il a été payé (son encaissement) ou "
        "rejeté. Ne change rien.",
        "One offline dispute: its reason, and whether it was paid (its redemption) or "
        "rejected. Changes nothing.",
    ),
    Operation(
        "GET /api/v1/offline-pack",
        "getOfflinePack",
        "scanning",
        "Le paquet hors ligne signé du lieu (clé reception) : de quoi savoir hors ligne si "
        "un code existe et n'était pas encore utilisé, sans jamais contenir de code ; avec "
        "« since », seulement ce qui a changé. Ne change rien.",
        "The place's signed offline pack (reception key): enough to tell offline whether "
        "a code exists and was not yet used, never holding a code; with `since`, only what "
        "changed. Changes nothing.",
    ),
)
