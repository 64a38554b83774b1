"""compliance.json: its format name, its JSON Schema (specs/compliance.schema.json) and its digest.

The digest is what makes a published claim checkable: sha256 over the canonical JSON of the
whole document but the `digest` member (keys sorted, no whitespace, UTF-8, as Python's
`json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes it).
`python -m conformance.report verify FILE` recomputes it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance.requirements import SPECS_DIR

FORMAT = "ucc-compliance/1"
SCHEMA_PATH = SPECS_DIR / "compliance.schema.json"


class ReportError(ValueError):
    """A compliance.json the tools cannot use; the message names the file."""


@functools.cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def problems(document: Any) -> list[str]:
    """Every way the document breaks the schema, one line each (empty: valid)."""
    validator = jsonschema.Draft202012Validator(schema())
    found = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in found]


def canonical(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "digest"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(document: dict[str, Any]) -> dict[str, str]:
    return {"algorithm": "sha256", "value": hashlib.sha256(canonical(document)).hexdigest()}


def digest_ok(document: dict[str, Any]) -> bool:
    return document.get("digest") == digest(document)


def load_document(path: Path, *, check_digest: bool = True) -> dict[str, Any]:
    """Read a compliance.json and check its format, schema and (by default) its digest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ReportError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ReportError(f"{path} is not a {FORMAT} document (format: {found!r})")
    found_problems = problems(data)
    if found_problems:
        raise ReportError(
            f"{path} does not match {SCHEMA_PATH.name}: " + "; ".join(found_problems[:5])
        )
    if check_digest and not digest_ok(data):
        raise ReportError(f"{path}: the digest does not match the content (edited after the run?)")
    return data
