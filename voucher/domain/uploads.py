"""Supporting documents as they arrive: what a file is, told by its content and never by
its name, and how big it may be.

Rules kept:

* accepted: PDF (``%PDF-``), JPEG (``FF D8 FF``), PNG (the 8-byte signature); anything
  else is refused whatever its name or the type the browser announced;
* the name the person gave is only a label: it is cut to its last path component, stripped
  of control characters, and a name announcing another type than the content is refused
  (a ``.pdf`` that is a PNG is a disguise, not a mistake to fix silently);
* empty files and files over :data:`MAX_BYTES` are refused;
* the kinds of document are the ones legal forms require (:data:`KINDS`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from voucher.domain.errors import DomainError, register

MAX_BYTES = 5 * 1024 * 1024
MAX_NAME = 120

#: media type -> (signature, extensions a name may carry)
SIGNATURES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}

KINDS: dict[str, str] = {
    "statuts": "Statuts",
    "rib": "RIB (relevé d'identité bancaire)",
    "kbis": "Extrait Kbis",
    "rna": "Récépissé d'inscription au RNA",
    "regie": "Décision de création de la régie (organisme public)",
    "autre": "Autre justificatif",
}

#: the documents each legal form must provide
REQUIRED_BY_FORM: dict[str, tuple[str, ...]] = {
    "association": ("statuts", "rib", "rna"),
    "entreprise": ("kbis", "rib"),
    "public": ("regie", "rib"),
}
LEGAL_FORMS = {
    "association": "Association",
    "entreprise": "Entreprise (société, coopérative)",
    "public": "Organisme public (commune, CCAS, médiathèque…)",
}

register(
    "upload_type",
    "Type de fichier refusé : seuls les PDF, JPEG et PNG sont acceptés (le contenu du fichier "
    "est vérifié, pas seulement son nom).",
)
register("upload_too_large", f"Fichier trop lourd : {MAX_BYTES // (1024 * 1024)} Mo au plus.")
register("upload_empty", "Le fichier est vide : choisissez un fichier à envoyer.")
register(
    "upload_name",
    "Nom de fichier refusé : son extension ne correspond pas au contenu du fichier.",
)
register("upload_path", "Nom de fichier refusé : il contient un chemin ; envoyez le fichier seul.")
register("upload_kind", "Type de justificatif inconnu : choisissez-le dans la liste.")


@dataclass(frozen=True)
class Checked:
    media_type: str
    filename: str


def media_type_of(data: bytes) -> str | None:
    for media_type, (signature, _) in SIGNATURES.items():
        if data.startswith(signature):
            return media_type
    return None


def clean_name(raw: str) -> str:
    """The last component of the given name, without control characters or leading dots;
    never a path."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".").strip()
    return name[-MAX_NAME:] or "document"


def check(data: bytes, filename: str, kind: str) -> Checked:
    if kind not in KINDS:
        raise DomainError("upload_kind", field="kind")
    if not data:
        raise DomainError("upload_empty", field="file")
    if len(data) > MAX_BYTES:
        raise DomainError("upload_too_large", field="file")
    found = media_type_of(data)
    if found is None:
        raise DomainError("upload_type", field="file")
    if any(bad in (filename or "") for bad in ("/", "\\", "..", "\x00")):
        raise DomainError("upload_path", field="file")
    name = clean_name(filename)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix and suffix not in SIGNATURES[found][1]:
        raise DomainError("upload_name", field="file")
    return Checked(found, name)
