"""Shared reference implementation of the stored chat completions API.

Not a server by itself (no KIND): the server files build on `ChatService`, usually by
overriding one hook.  Stores are pluggable (in-memory, sqlite3, JSON files); the
service keeps everything in the event loop thread, so no background threads exist.

Reference semantics (what the conformant baseline does):
- create stores the completion only when `store` is true (default false);
- update replaces the stored metadata map with the one sent (16 pairs, keys <= 64
  characters, values <= 512 characters, counted in Unicode code points, strings only);
- retrieve/update/delete/messages answer 404 for unknown, unstored, deleted or other
  tenants' completions; list shows the tenant's stored completions only.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import re
import secrets
import sqlite3
import string
import tempfile
import threading
import time
import traceback
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MAX_PAIRS = 16
MAX_KEY_CHARS = 64
MAX_VALUE_CHARS = 512

ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
ECHO_PARAMS = (
    "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "tools",
    "tool_choice", "response_format", "user", "max_completion_tokens", "max_tokens", "n",
)
_ALNUM = string.ascii_letters + string.digits

WORDS = (
    "quiet circuits hum softly while patterns bloom in silent data streams light "
    "gathers over distant servers and every answer finds its careful shape today"
).split()


# --------------------------------------------------------------------------- errors

class APIError(Exception):
    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type,
                          "param": self.param, "code": self.code}}


def not_found(cid: str) -> APIError:
    return APIError(404, f"No chat completion found with id '{cid}'.", param="completion_id",
                    code="not_found")


def bad_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


def json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


# --------------------------------------------------------------------------- helpers

def new_completion_id() -> str:
    return "chatcmpl-" + "".join(secrets.choice(_ALNUM) for _ in range(29))


def count_tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text or ""))


def message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") == "text"
                       and isinstance(p.get("text"), str))
    return ""


def deterministic_reply(messages: list, index: int) -> str:
    seed = json.dumps(messages, sort_keys=True, ensure_ascii=True) + f"#{index}"
    digest = hashlib.sha256(seed.encode()).digest()
    picks = [WORDS[b % len(WORDS)] for b in digest[:9]]
    last_user = ""
    for m in reversed(messages):
        if m.get("role") == "user":
            last_user = message_text(m.get("content"))
            break
    snippet = " ".join(last_user.split()[:6])
    line = " ".join(picks[:3]).capitalize() + ", " + " ".join(picks[3:6]) + ", " + " ".join(picks[6:9]) + "."
    return f"{line} (re: {snippet})" if snippet else line


def fingerprint(model: str) -> str:
    return "fp_" + hashlib.sha256(model.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def encode_json(obj: Any) -> bytes:
    """UTF-8 JSON; falls back to ASCII escapes when a lone surrogate cannot be encoded."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _reject_constant(name: str):
    raise ValueError(f"invalid JSON constant {name}")


def parse_json_body(raw: bytes) -> dict:
    if not raw or not raw.strip():
        raise bad_request("We could not parse the JSON body of your request. (HINT: This likely means "
                          "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                          "payload, but what was sent was not valid JSON.)")
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("We could not parse the JSON body of your request. (HINT: This likely means "
                          "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                          "payload, but what was sent was not valid JSON.)")
    if not isinstance(body, dict):
        raise bad_request(f"Invalid type for request body: expected an object, but got {json_type(body)} instead.")
    return body


def metadata_filters(query_items: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in query_items:
        m = re.fullmatch(r"metadata\[(.*)\]", k, flags=re.S)
        if m:
            out[m.group(1)] = v
    return out


def parse_limit(raw: str | None, default: int = 20, maximum: int = 100) -> int:
    if raw is None:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise bad_request(f"Invalid 'limit': expected an integer, but got '{raw}' instead.", param="limit",
                          code="invalid_type")
    if n < 1 or n > maximum:
        raise bad_request(f"Invalid 'limit': integer must be between 1 and {maximum}.", param="limit",
                          code="integer_out_of_range")
    return n


def parse_order(raw: str | None) -> str:
    if raw is None:
        return "asc"
    if raw not in ("asc", "desc"):
        raise bad_request(f"Invalid value for 'order': expected one of 'asc', 'desc', got '{raw}'.",
                          param="order", code="invalid_value")
    return raw


def paginate(items: list, key, after: str | None, limit: int, order: str) -> tuple[list, bool]:
    """items sorted ascending; returns (page, has_more)."""
    seq = list(reversed(items)) if order == "desc" else list(items)
    start = 0
    if after:
        for i, it in enumerate(seq):
            if key(it) == after:
                start = i + 1
                break
        else:
            start = len(seq)
    page = seq[start:start + limit]
    return page, len(seq) > start + limit


def list_object(data: list[dict], has_more: bool) -> dict:
    return {"object": "list", "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more}


# --------------------------------------------------------------------------- stores

class MemoryStore:
    """A dict of records; copies in and out like a database would."""

    def __init__(self):
        self._rows: dict[str, dict] = {}

    def insert(self, rec: dict) -> None:
        self._rows[rec["id"]] = copy.deepcopy(rec)

    def load(self, cid: str) -> dict | None:
        rec = self._rows.get(cid)
        return copy.deepcopy(rec) if rec is not None else None

    def save(self, rec: dict) -> None:
        self._rows[rec["id"]] = copy.deepcopy(rec)

    def remove(self, cid: str) -> None:
        self._rows.pop(cid, None)

    def scan(self) -> list[dict]:
        return [copy.deepcopy(r) for r in self._rows.values()]


class SqliteStore:
    """One row per completion; the document is kept as JSON text (ASCII-escaped)."""

    def __init__(self, path: str = ":memory:"):
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS completions (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, "
            "seq INTEGER NOT NULL, created INTEGER NOT NULL, model TEXT NOT NULL, "
            "stored INTEGER NOT NULL, doc TEXT NOT NULL)")

    def _row(self, rec: dict) -> tuple:
        return (rec["id"], rec["tenant"], rec["seq"], rec["created"], rec["model"],
                1 if rec["stored"] else 0, json.dumps(rec))

    def insert(self, rec: dict) -> None:
        with self.lock:
            self.conn.execute("INSERT INTO completions (id, tenant, seq, created, model, stored, doc) "
                              "VALUES (?,?,?,?,?,?,?)", self._row(rec))

    def load(self, cid: str) -> dict | None:
        with self.lock:
            row = self.conn.execute("SELECT doc FROM completions WHERE id = ?", (cid,)).fetchone()
        return json.loads(row[0]) if row else None

    def save(self, rec: dict) -> None:
        with self.lock:
            self.conn.execute("UPDATE completions SET model = ?, doc = ? WHERE id = ?",
                              (rec["model"], json.dumps(rec), rec["id"]))

    def remove(self, cid: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM completions WHERE id = ?", (cid,))

    def scan(self) -> list[dict]:
        with self.lock:
            rows = self.conn.execute("SELECT doc FROM completions ORDER BY created, seq").fetchall()
        return [json.loads(r[0]) for r in rows]


class JsonFileStore:
    """One JSON file per completion in a private temporary directory; atomic renames."""

    def __init__(self, directory: str | None = None):
        self.dir = directory or tempfile.mkdtemp(prefix="chatstore-")

    def _path(self, cid: str) -> str:
        safe = hashlib.sha256(cid.encode("utf-8", "surrogatepass")).hexdigest()
        return os.path.join(self.dir, safe + ".json")

    def _write(self, rec: dict) -> None:
        path = self._path(rec["id"])
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=True)
        os.replace(tmp, path)

    def insert(self, rec: dict) -> None:
        self._write(rec)

    def load(self, cid: str) -> dict | None:
        try:
            with open(self._path(cid), encoding="utf-8") as f:
                rec = json.load(f)
        except FileNotFoundError:
            return None
        return rec if rec.get("id") == cid else None

    def save(self, rec: dict) -> None:
        self._write(rec)

    def remove(self, cid: str) -> None:
        try:
            os.remove(self._path(cid))
        except FileNotFoundError:
            pass

    def scan(self) -> list[dict]:
        out = []
        for name in os.listdir(self.dir):
            if name.endswith(".json"):
                try:
                    with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                        out.append(json.load(f))
                except (FileNotFoundError, ValueError):
                    continue
        return out


# --------------------------------------------------------------------------- service

class ChatService:
    """The reference behaviour.  Hooks are small methods meant to be overridden."""

    store_factory = MemoryStore

    def __init__(self, api_keys: dict[str, str]):
        self.api_keys = dict(api_keys)
        self.store = self.store_factory()
        self._seq = itertools.count(1)

    # ---- hooks: metadata rules -------------------------------------------------
    def length(self, s: str) -> int:
        """Length of a key or value as the limits count it (Unicode code points)."""
        return len(s)

    def max_pairs_exceeded(self, md: dict) -> bool:
        return len(md) > MAX_PAIRS

    def coerce_value(self, key: str, value: Any) -> Any:
        return value

    def validate_metadata(self, md: Any, param: str = "metadata") -> dict:
        if not isinstance(md, dict):
            raise bad_request(f"Invalid type for '{param}': expected an object, but got {json_type(md)} instead.",
                              param=param, code="invalid_type")
        if self.max_pairs_exceeded(md):
            raise bad_request(f"Invalid '{param}': too many properties. Expected an object with at most "
                              f"{MAX_PAIRS} properties, but got an object with {len(md)} properties instead.",
                              param=param, code="object_above_max_properties")
        out = {}
        for k, v in md.items():
            v = self.coerce_value(k, v)
            if self.length(k) > MAX_KEY_CHARS:
                raise bad_request(f"Invalid '{param}': metadata key is too long. Expected a string with maximum "
                                  f"length {MAX_KEY_CHARS}, but got a string with length {self.length(k)} instead.",
                                  param=f"{param}", code="string_above_max_length")
            self.check_value(k, v, param)
            out[k] = v
        return out

    def check_value(self, k: str, v: Any, param: str) -> None:
        if not isinstance(v, str):
            raise bad_request(f"Invalid type for '{param}.{k}': expected a string, but got {json_type(v)} instead.",
                              param=f"{param}.{k}", code="invalid_type")
        if self.length(v) > MAX_VALUE_CHARS:
            raise bad_request(f"Invalid '{param}.{k}': string too long. Expected a string with maximum length "
                              f"{MAX_VALUE_CHARS}, but got a string with length {self.length(v)} instead.",
                              param=f"{param}.{k}", code="string_above_max_length")

    def apply_metadata(self, rec: dict, md: dict) -> dict:
        """New stored map after an update (reference: replace)."""
        return dict(md)

    def check_stored_metadata(self, md: dict) -> None:
        if len(md) > MAX_PAIRS:
            raise bad_request(f"Invalid 'metadata': the chat completion would have {len(md)} metadata pairs; "
                              f"at most {MAX_PAIRS} are allowed.", param="metadata",
                              code="object_above_max_properties")

    def transform_metadata_for_storage(self, md: dict, rec: dict) -> dict:
        return md

    def render_metadata(self, md: dict) -> Any:
        return dict(md)

    # ---- hooks: visibility -------------------------------------------------------
    def visible(self, rec: dict | None, tenant: str) -> bool:
        return (rec is not None and rec["tenant"] == tenant and rec["stored"]
                and not rec.get("deleted"))

    def lookup(self, tenant: str, cid: str) -> dict:
        rec = self.store.load(cid)
        if not self.visible(rec, tenant):
            raise not_found(cid)
        return rec

    def lookup_for_update(self, tenant: str, cid: str) -> dict:
        return self.lookup(tenant, cid)

    def persist_new(self, rec: dict) -> None:
        if rec["stored"]:
            self.store.insert(rec)

    # ---- auth and admission ------------------------------------------------------
    def authenticate(self, request: Request) -> str:
        auth = request.headers.get("authorization")
        if not auth:
            raise APIError(401, "You didn't provide an API key. You need to provide your API key in an "
                                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                           code=None)
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or key not in self.api_keys:
            shown = (key[:3] + "*" * 4 + key[-4:]) if len(key) > 8 else "****"
            raise APIError(401, f"Incorrect API key provided: {shown}.", code="invalid_api_key")
        return self.api_keys[key]

    def admit(self, request: Request, tenant: str) -> None:
        """Raise APIError(429) to refuse a request (rate limits)."""

    # ---- rendering -----------------------------------------------------------------
    def render(self, rec: dict) -> dict:
        return {
            "id": rec["id"],
            "object": "chat.completion",
            "created": rec["created"],
            "model": rec["model"],
            "choices": copy.deepcopy(rec["choices"]),
            "usage": copy.deepcopy(rec["usage"]),
            "service_tier": rec["service_tier"],
            "system_fingerprint": rec["system_fingerprint"],
            "metadata": self.render_metadata(rec["metadata"]),
        }

    def render_message(self, rec: dict, i: int, m: dict) -> dict:
        content = m.get("content")
        parts = None
        if isinstance(content, list):
            parts = copy.deepcopy(content)
            content = message_text(content) or None
        item = {"id": f"{rec['id']}-{i}", "role": m.get("role"), "content": content,
                "name": m.get("name"), "content_parts": parts}
        if m.get("tool_calls") is not None:
            item["tool_calls"] = copy.deepcopy(m["tool_calls"])
        if m.get("tool_call_id") is not None:
            item["tool_call_id"] = m["tool_call_id"]
        return item

    def encode(self, obj: Any) -> bytes:
        return encode_json(obj)

    def make_response(self, obj: Any, status: int, request: Request,
                      headers: dict[str, str] | None = None) -> Response:
        hdrs = {"x-request-id": "req_" + secrets.token_hex(16)}
        hdrs.update(headers or {})
        return Response(self.encode(obj), status_code=status, headers=hdrs,
                        media_type="application/json")

    # ---- building completions --------------------------------------------------------
    def validate_create(self, body: dict) -> None:
        model = body.get("model")
        if model is None:
            raise bad_request("you must provide a model parameter", param="model", code="missing_required_parameter")
        if not isinstance(model, str) or not model:
            raise bad_request(f"Invalid type for 'model': expected a string, but got {json_type(model)} instead.",
                              param="model", code="invalid_type")
        msgs = body.get("messages")
        if msgs is None:
            raise bad_request("Missing required parameter: 'messages'.", param="messages",
                              code="missing_required_parameter")
        if not isinstance(msgs, list):
            raise bad_request(f"Invalid type for 'messages': expected an array, but got {json_type(msgs)} instead.",
                              param="messages", code="invalid_type")
        if not msgs:
            raise bad_request("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                              "but got an empty array instead.", param="messages", code="empty_array")
        for i, m in enumerate(msgs):
            if not isinstance(m, dict):
                raise bad_request(f"Invalid type for 'messages[{i}]': expected an object, but got "
                                  f"{json_type(m)} instead.", param=f"messages[{i}]", code="invalid_type")
            if m.get("role") not in ROLES:
                raise bad_request(f"Invalid value for 'messages[{i}].role': expected one of "
                                  f"{', '.join(sorted(ROLES))}.", param=f"messages[{i}].role", code="invalid_value")
            c = m.get("content")
            if c is not None and not isinstance(c, (str, list)):
                raise bad_request(f"Invalid type for 'messages[{i}].content': expected one of a string or "
                                  f"array of objects, but got {json_type(c)} instead.",
                                  param=f"messages[{i}].content", code="invalid_type")
        if "store" in body and body["store"] is not None and not isinstance(body["store"], bool):
            raise bad_request(f"Invalid type for 'store': expected a boolean, but got {json_type(body['store'])} "
                              "instead.", param="store", code="invalid_type")
        n = body.get("n", 1)
        if n is None:
            n = 1
        if isinstance(n, bool) or not isinstance(n, int) or n < 1 or n > 128:
            raise bad_request("Invalid 'n': integer must be between 1 and 128.", param="n",
                              code="integer_out_of_range")
        if body.get("metadata") is not None:
            self.validate_metadata(body["metadata"])

    def build_record(self, tenant: str, body: dict) -> dict:
        msgs = copy.deepcopy(body["messages"])
        n = body.get("n") or 1
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        want_logprobs = body.get("logprobs") is True
        top = body.get("top_logprobs") or 0
        choices, completion_tokens = [], 0
        for i in range(n):
            text = deterministic_reply(msgs, i)
            finish = "stop"
            toks = re.findall(r"\S+\s*", text)
            if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and 0 < max_tokens < len(toks):
                toks = toks[:max_tokens]
                text = "".join(toks).rstrip()
                finish = "length"
            completion_tokens += count_tokens(text)
            lp = None
            if want_logprobs:
                entries = []
                for j, t in enumerate(toks):
                    t = t if j < len(toks) - 1 else t.rstrip()
                    e = {"token": t, "logprob": round(-0.01 * (j + 1), 6), "bytes": list(t.encode("utf-8"))}
                    e["top_logprobs"] = [
                        {"token": t if r == 0 else f"{t.strip()}_{r}", "logprob": round(-0.01 * (j + 1) - r, 6),
                         "bytes": list((t if r == 0 else f"{t.strip()}_{r}").encode("utf-8"))}
                        for r in range(int(top) if isinstance(top, int) else 0)]
                    entries.append(e)
                lp = {"content": entries, "refusal": None}
            choices.append({"index": i,
                            "message": {"role": "assistant", "content": text, "refusal": None,
                                        "annotations": []},
                            "logprobs": lp, "finish_reason": finish})
        prompt_tokens = sum(count_tokens(message_text(m.get("content"))) + 4 for m in msgs) + 3
        tier = body.get("service_tier")
        tier = {"flex": "flex", "scale": "scale", "priority": "priority", "fast": "priority"}.get(tier, "default")
        return {
            "id": new_completion_id(), "tenant": tenant, "seq": next(self._seq),
            "created": int(time.time()), "model": body["model"],
            "stored": body.get("store") is True, "deleted": False,
            "metadata": (self.validate_metadata(body["metadata"])
                         if body.get("metadata") is not None else {}),
            "messages": msgs, "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0}},
            "service_tier": tier, "system_fingerprint": fingerprint(body["model"]),
            "params": {k: copy.deepcopy(body[k]) for k in ECHO_PARAMS if k in body},
        }

    # ---- operations --------------------------------------------------------------------
    async def op_create(self, tenant: str, body: dict) -> dict:
        self.validate_create(body)
        rec = self.build_record(tenant, body)
        if rec["metadata"]:
            rec["metadata"] = self.transform_metadata_for_storage(rec["metadata"], rec)
        self.persist_new(rec)
        return self.render(rec)

    async def op_retrieve(self, tenant: str, cid: str) -> dict:
        return self.render(self.lookup(tenant, cid))

    def parse_update_body(self, body: dict) -> dict:
        if "metadata" not in body:
            raise bad_request("Missing required parameter: 'metadata'.", param="metadata",
                              code="missing_required_parameter")
        extra = [k for k in body if k != "metadata"]
        if extra:
            raise bad_request(f"Unrecognized request argument supplied: {extra[0]}", param=extra[0],
                              code="unknown_parameter")
        return self.validate_metadata(body["metadata"])

    async def op_update(self, tenant: str, cid: str, body: dict) -> dict:
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        new_md = self.apply_metadata(rec, md)
        self.check_stored_metadata(new_md)
        rec["metadata"] = self.transform_metadata_for_storage(new_md, rec)
        self.store.save(rec)
        return self.render(rec)

    async def op_delete(self, tenant: str, cid: str) -> dict:
        self.lookup(tenant, cid)
        self.store.remove(cid)
        return {"object": "chat.completion.deleted", "id": cid, "deleted": True}

    def list_candidates(self, tenant: str) -> list[dict]:
        return [r for r in self.store.scan() if self.visible(r, tenant)]

    def matches(self, rec: dict, model: str | None, filters: dict[str, str]) -> bool:
        if model is not None and rec["model"] != model:
            return False
        md = rec["metadata"] or {}
        return all(k in md and md[k] == v for k, v in filters.items())

    async def op_list(self, tenant: str, request: Request) -> dict:
        q = request.query_params
        limit = parse_limit(q.get("limit"))
        order = parse_order(q.get("order"))
        filters = metadata_filters(q.multi_items())
        model = q.get("model")
        recs = [r for r in self.list_candidates(tenant) if self.matches(r, model, filters)]
        recs.sort(key=lambda r: (r["created"], r["seq"]))
        page, has_more = paginate(recs, lambda r: r["id"], q.get("after"), limit, order)
        return list_object([self.render(r) for r in page], has_more)

    async def op_messages(self, tenant: str, cid: str, request: Request) -> dict:
        rec = self.lookup(tenant, cid)
        q = request.query_params
        limit = parse_limit(q.get("limit"))
        order = parse_order(q.get("order"))
        items = [self.render_message(rec, i, m) for i, m in enumerate(rec["messages"])]
        page, has_more = paginate(items, lambda m: m["id"], q.get("after"), limit, order)
        return list_object(page, has_more)

    # ---- plumbing ----------------------------------------------------------------------
    async def run(self, request: Request, fn) -> Response:
        try:
            tenant = self.authenticate(request)
            self.admit(request, tenant)
            result = await fn(tenant)
            return self.make_response(result, 200, request)
        except APIError as e:
            return self.make_response(e.body(), e.status, request, headers=e.headers)
        except Exception as e:  # pragma: no cover - surfaced as a 500 like a real server
            traceback.print_exc()
            err = APIError(500, f"The server had an error while processing your request. ({type(e).__name__})",
                           type="server_error")
            return self.make_response(err.body(), 500, request)

    async def read_body(self, request: Request) -> dict:
        return parse_json_body(await request.body())

    def routes(self) -> list[Route]:
        svc = self

        async def completions(request: Request):
            if request.method == "POST":
                async def fn(tenant):
                    return await svc.op_create(tenant, await svc.read_body(request))
            else:
                async def fn(tenant):
                    return await svc.op_list(tenant, request)
            return await svc.run(request, fn)

        async def completion(request: Request):
            cid = request.path_params["cid"]
            if request.method == "POST":
                async def fn(tenant):
                    return await svc.op_update(tenant, cid, await svc.read_body(request))
            elif request.method == "DELETE":
                async def fn(tenant):
                    return await svc.op_delete(tenant, cid)
            else:
                async def fn(tenant):
                    return await svc.op_retrieve(tenant, cid)
            return await svc.run(request, fn)

        async def messages(request: Request):
            cid = request.path_params["cid"]

            async def fn(tenant):
                return await svc.op_messages(tenant, cid, request)
            return await svc.run(request, fn)

        return [
            Route("/v1/chat/completions", completions, methods=["GET", "POST"]),
            Route("/v1/chat/completions/{cid}", completion, methods=["GET", "POST", "DELETE"]),
            Route("/v1/chat/completions/{cid}/messages", messages, methods=["GET"]),
        ]

    def asgi(self) -> Starlette:
        svc = self

        async def http_error(request: Request, exc: HTTPException):
            err = APIError(exc.status_code, f"Invalid URL ({request.method} {request.url.path})"
                           if exc.status_code in (404, 405) else str(exc.detail))
            return Response(encode_json(err.body()), status_code=exc.status_code, media_type="application/json")

        return Starlette(routes=svc.routes(), exception_handlers={HTTPException: http_error})


def build(service_cls, api_keys: dict[str, str]) -> Starlette:
    return service_cls(api_keys).asgi()
