"""Shared API shapes: problems (RFC 9457), pagination, references to other objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from voucher.domain import text

MAX_PAGE_SIZE = 200


class ProblemSchema(Schema):
    """An error: ``code`` is stable, ``title``/``detail`` are French."""

    type = fields.String(
        required=True, metadata={"description": "lien vers la documentation du code"}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(
        required=True, metadata={"description": "code stable (docs/error-codes.md)"}
    )
    errors = fields.Dict(
        metadata={"description": "champ -> messages, pour les erreurs de validation"}
    )
    retry_after = fields.Integer()
    locked_until = fields.String()
    first_redeemed_at = fields.String()
    field = fields.String()
    rule = fields.String()
    object = fields.String()


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page envelope ``{"items": [...], "page", "page_size", "total"}`` for ``item``."""
    attrs: dict[str, Any] = {"items": fields.List(fields.Nested(item), required=True)}
    return type(name, (PageSchema,), attrs)


class SyncArgsSchema(Schema):
    """A walk through a list a device or a partner polls (see docs/api.md, "Synchroniser")."""

    cursor = fields.String(
        validate=validate.Length(1, 512),
        metadata={
            "description": "curseur opaque rendu par la page précédente (next_cursor) ; "
            "il garde les filtres de la première page"
        },
    )
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    updated_since = fields.AwareDateTime(
        metadata={
            "description": "seulement ce qui a été créé ou a changé depuis cet instant "
            "(passez le as_of de la synchronisation précédente)"
        }
    )


class SyncPageSchema(Schema):
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "à passer en « cursor » pour la page suivante ; null : fin"},
    )
    as_of = fields.AwareDateTime(
        required=True,
        metadata={"description": "à passer en « updated_since » à la prochaine synchronisation"},
    )


def sync_page_of(item: type[Schema], name: str) -> type[Schema]:
    """A sync page envelope ``{"items": [...], "next_cursor", "as_of"}`` for ``item``."""
    attrs: dict[str, Any] = {"items": fields.List(fields.Nested(item), required=True)}
    return type(name, (SyncPageSchema,), attrs)


class RefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PingSchema(Schema):
    status = fields.String(required=True)


def clean_text(value: str) -> None:
    """Validator: no lone surrogate, NUL or control character (voucher.domain.text)."""
    if text.defect(value):
        raise ValidationError("Caractères interdits (nul, de contrôle ou Unicode invalide).")


@dataclass(frozen=True)
class Invalid:
    """An item of an :class:`Items` list that did not load: what was sent, and why."""

    raw: Any
    errors: Any

    @property
    def code(self) -> str:
        """``invalid_text`` when it holds refused characters, else ``invalid_request``."""
        return "invalid_text" if _has_defect(self.raw) else "invalid_request"


def _has_defect(value: Any) -> bool:
    if isinstance(value, str):
        return text.defect(value)
    if isinstance(value, dict):
        return any(_has_defect(k) or _has_defect(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_defect(v) for v in value)
    return False


class Items(fields.List):
    """A list whose items are loaded one by one: an item that does not load becomes an
    :class:`Invalid` in its place (answered on its own), instead of refusing the list."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        out: list[Any] = []
        for each in value:
            try:
                out.append(self.inner.deserialize(each, **kwargs))
            except ValidationError as err:
                out.append(Invalid(each, err.messages))
        return out
