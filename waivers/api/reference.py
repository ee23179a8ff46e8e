"""The API reference at /api/docs/, rendered on the server from the same
OpenAPI document /api/v1/schema/ serves (drf-spectacular): every operation
with its parameters and responses, and every schema with its fields. Plain
HTML in the site's layout, so it needs no script, passes axe-core and weighs
a fraction of Swagger UI (decision 0019).

The document depends only on the code, so the page's content is built once
per process."""

import html
import json
import re

from django.utils.safestring import mark_safe
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView

# How many allowed values are listed in full; longer lists (countries) are
# summed up with their first few values.
_MAX_VALUES_SHOWN = 40
# A longer bullet list in a description is set as one line of text.
_MAX_LIST_ITEMS = 12
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((/[^)\s]*|https://[^)\s]+)\)")


def _inline(text: str) -> str:
    """Escape, then `code` and [links](/relative or https) of the descriptions."""
    out = html.escape(text, quote=True)
    out = _CODE.sub(r"<code>\1</code>", out)
    return _LINK.sub(r'<a href="\2">\1</a>', out)


def markdown(text: str | None) -> str:
    """The small part of Markdown the schema's descriptions use: paragraphs,
    bullet lists, code spans and links. Everything else is escaped text."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("* ", "- ")) for line in lines):
            if len(lines) > _MAX_LIST_ITEMS:  # e.g. every country: one compact line
                items = "; ".join(_inline(line[2:]) for line in lines)
                blocks.append(f"<p>{items}.</p>")
            else:
                items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
                blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(lines))}</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - built from escaped text only


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict | None) -> dict:
    """A schema's type in words, and the schema it refers to (for a link)."""
    schema = schema or {}
    if "$ref" in schema:
        return {"text": _ref_name(schema["$ref"]), "ref": _ref_name(schema["$ref"])}
    for combiner in ("allOf", "oneOf", "anyOf"):
        if combiner in schema:
            parts = [type_of(part) for part in schema[combiner]]
            named = [part for part in parts if part["ref"]]
            if len(named) == 1:
                return named[0]
            return {"text": " or ".join(part["text"] for part in parts), "ref": ""}
    kind = schema.get("type", "any")
    if kind == "array":
        items = type_of(schema.get("items"))
        return {"text": f"list of {items['text']}", "ref": items["ref"]}
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    return {"text": kind, "ref": ""}


def _values(schema: dict | None, description: str | None = None) -> dict:
    """Allowed values, unless the description already lists them."""
    schema = schema or {}
    values = schema.get("enum") or (schema.get("items") or {}).get("enum") or []
    values = [str(value) for value in values if value not in (None, "")]
    if values and f"`{values[0]}`" in (description or ""):
        values = []
    shown = values[:_MAX_VALUES_SHOWN]
    return {"shown": shown, "more": len(values) - len(shown)}


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema") or {}
    return {
        "name": parameter["name"],
        "where": parameter["in"],
        "required": parameter.get("required", False),
        "type": type_of(schema),
        "repeatable": schema.get("type") == "array",
        "values": _values(schema, parameter.get("description")),
        "pattern": schema.get("pattern") or (schema.get("items") or {}).get("pattern", ""),
        "description": markdown(parameter.get("description")),
    }


def _response(status: str, response: dict) -> dict:
    content = response.get("content") or {}
    return {
        "status": status,
        "description": markdown(response.get("description")),
        "media": [
            {"type": media_type, "schema": type_of(body.get("schema"))}
            for media_type, body in content.items()
        ],
        "headers": sorted(response.get("headers") or {}),
    }


def _operation(path: str, method: str, operation: dict) -> dict:
    parameters = [_parameter(p) for p in operation.get("parameters", [])]
    return {
        # The anchor comes from the method and path (stable, readable in a link).
        "id": re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-"),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": markdown(operation.get("description")),
        "parameters": parameters,
        "responses": [_response(s, r) for s, r in operation.get("responses", {}).items()],
        # A list address can be opened as it is; one with {code} needs a value.
        "openable": "{" not in path and method == "get",
        "key_optional": {} in operation.get("security", [{}]),
    }


def _schema(name: str, schema: dict) -> dict:
    required = set(schema.get("required", []))
    fields = [
        {
            "name": field,
            "type": type_of(spec),
            "required": field in required,
            "nullable": bool(spec.get("nullable")),
            "values": _values(spec, spec.get("description")),
            "description": markdown(spec.get("description")),
        }
        for field, spec in (schema.get("properties") or {}).items()
    ]
    return {
        "name": name,
        "type": type_of({k: v for k, v in schema.items() if k != "description"}),
        "description": markdown(schema.get("description")),
        "fields": fields,
        "values": _values(schema, schema.get("description")),
    }


_built: dict = {}


def reference(request) -> dict:
    """Everything the reference page shows, from the document /api/v1/schema/
    serves (asked of its own view, so the two never differ); built once."""
    if "reference" not in _built:
        view = SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer])
        response = view(request)
        response.render()
        _built["reference"] = build(json.loads(response.content))
    return _built["reference"]


def build(document: dict) -> dict:
    """The reference page's content from an OpenAPI document."""
    operations = [
        _operation(path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    schemes = document.get("components", {}).get("securitySchemes", {})
    return {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "description": markdown(document["info"].get("description")),
        "operations": operations,
        "schemas": [
            _schema(name, schema)
            for name, schema in document.get("components", {}).get("schemas", {}).items()
        ],
        "key_header": next(
            (s["name"] for s in schemes.values() if s.get("in") == "header"), "X-Api-Key"
        ),
    }
