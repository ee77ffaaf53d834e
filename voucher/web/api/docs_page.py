"""The OpenAPI document turned into plain sections for the documentation page: each
operation with its parameters, body fields and answers, schemas resolved one level deep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    public: bool
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (
            f"{self.method}-{self.path}".replace("/", "-")
            .replace("{", "")
            .replace("}", "")
            .strip("-")
        )


@dataclass
class Section:
    name: str
    title: str
    operations: list[Operation]


def _schema(spec: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref:
        return dict(spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}))
    return ref_or_schema


def _type(spec: dict[str, Any], prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "objet " + prop["$ref"].rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        return "liste de " + _type(spec, prop.get("items", {}))
    out = str(prop.get("type", "objet"))
    if prop.get("format"):
        out += f" ({prop['format']})"
    if prop.get("enum"):
        out += " : " + ", ".join(str(e) for e in prop["enum"] if e is not None)
    if prop.get("nullable"):
        out += ", ou null"
    return out


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[Field]:
    schema = _schema(spec, schema)
    required = set(schema.get("required", []))
    return [
        Field(name, _type(spec, prop), name in required, str(prop.get("description", "")))
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: dict[str, Any], method: str, path: str, op: dict[str, Any]) -> Operation:
    text = str(op.get("description", "")).strip()
    out = Operation(
        method.upper(),
        path,
        str(op.get("summary") or text.split("\n")[0]),
        text,
        public=op.get("security") == [],
    )
    for p in op.get("parameters", []):
        out.parameters.append(
            Field(
                f"{p['name']} ({p['in']})",
                _type(spec, p.get("schema", {})),
                bool(p.get("required")),
                str(p.get("description", "")),
            )
        )
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        out.body = _fields(spec, body)
    for status, resp in op.get("responses", {}).items():
        description = resp.get("description", "") if isinstance(resp, dict) else ""
        out.responses.append((str(status), str(description)))
    return out


def build(spec: dict[str, Any]) -> list[Section]:
    titles = {t["name"]: t.get("description") or t["name"] for t in spec.get("tags", [])}
    sections: dict[str, Section] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            tag = (op.get("tags") or ["autres"])[0]
            section = sections.setdefault(tag, Section(tag, titles.get(tag, tag), []))
            section.operations.append(_operation(spec, method, path, op))
    return list(sections.values())
