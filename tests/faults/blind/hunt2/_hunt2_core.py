"""Shared reference implementation of the stored chat completions API.

`Service` is a conformant implementation with hook methods; the server modules in this
directory subclass it (or wrap it) to model one vendor each.  Three storage back ends are
provided (in-memory dicts, sqlite3, one JSON file per completion) and `ProxyApp` puts an
HTTP layer (gateway, transcoder, WAF, ...) in front of an inner ASGI app.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import string
import tempfile
import threading
import time

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ALNUM = string.ascii_letters + string.digits
ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
SERVICE_TIERS = {"auto", "default", "flex", "scale", "priority", "fast"}
MAX_PAIRS = 16
MAX_KEY = 64
MAX_VALUE = 512


# --------------------------------------------------------------------------- errors / JSON
class ApiError(Exception):
    def __init__(self, status, message, type_="invalid_request_error", param=None, code=None,
                 headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.param = param
        self.code = code
        self.headers = headers or {}

    def payload(self):
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


def not_found(cid):
    return ApiError(404, f"No chat completion found with id '{cid}'.", param="completion_id",
                    code="not_found")


def dumps(payload, ensure_ascii=False, **kw):
    """UTF-8 JSON; a lone surrogate (valid JSON, not encodable as UTF-8) is written escaped."""
    try:
        return json.dumps(payload, ensure_ascii=ensure_ascii, separators=(",", ":"),
                          **kw).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":"), **kw).encode("ascii")


def json_response(payload, status=200, headers=None, ensure_ascii=False):
    return Response(dumps(payload, ensure_ascii=ensure_ascii), status_code=status,
                    headers=headers, media_type="application/json")


def new_completion_id():
    return "chatcmpl-" + "".join(secrets.choice(ALNUM) for _ in range(29))


def text_of(content):
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") in ("text", "input_text"))
    return ""


# --------------------------------------------------------------------------- stores
class MemoryStore:
    """Plain dicts keyed by (tenant, id); every read returns a deep copy."""

    def __init__(self):
        self.rows = {}
        self.seq = 0
        self.lock = threading.Lock()

    def insert(self, tenant, obj, messages):
        with self.lock:
            self.seq += 1
            self.rows[(tenant, obj["id"])] = {"seq": self.seq, "obj": copy.deepcopy(obj),
                                             "messages": copy.deepcopy(messages)}

    def get(self, tenant, cid):
        row = self.rows.get((tenant, cid))
        return copy.deepcopy(row["obj"]) if row else None

    def get_messages(self, tenant, cid):
        row = self.rows.get((tenant, cid))
        return copy.deepcopy(row["messages"]) if row else None

    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            row = self.rows.get((tenant, cid))
            if not row:
                return None
            row["obj"]["metadata"] = copy.deepcopy(md)
            return copy.deepcopy(row["obj"])

    def put_obj(self, tenant, cid, obj):
        with self.lock:
            row = self.rows.get((tenant, cid))
            if row:
                row["obj"] = copy.deepcopy(obj)

    def delete(self, tenant, cid):
        with self.lock:
            return self.rows.pop((tenant, cid), None) is not None

    def list(self, tenant):
        rows = [r for (t, _), r in self.rows.items() if t == tenant]
        rows.sort(key=lambda r: (r["obj"]["created"], r["seq"]))
        return [copy.deepcopy(r["obj"]) for r in rows]


class SqliteStore:
    """sqlite3 (in memory, shared by the app), metadata in its own JSON text column."""

    SCHEMA = """
    CREATE TABLE completions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        created INTEGER NOT NULL,
        model TEXT NOT NULL,
        body TEXT NOT NULL,
        metadata TEXT NOT NULL,
        messages TEXT NOT NULL,
        UNIQUE (tenant, id)
    );
    """

    def __init__(self, path=":memory:"):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        self.db.executescript(self.SCHEMA)

    def _row_obj(self, body, metadata):
        obj = json.loads(body)
        obj["metadata"] = json.loads(metadata)
        return obj

    def insert(self, tenant, obj, messages):
        body = {k: v for k, v in obj.items() if k != "metadata"}
        with self.lock:
            self.db.execute(
                "INSERT INTO completions (tenant, id, created, model, body, metadata, messages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (tenant, obj["id"], obj["created"], obj["model"], json.dumps(body),
                 json.dumps(obj.get("metadata") or {}), json.dumps(messages)))

    def get(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT body, metadata FROM completions WHERE tenant=? AND id=?",
                                  (tenant, cid)).fetchone()
        return self._row_obj(*row) if row else None

    def get_messages(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT messages FROM completions WHERE tenant=? AND id=?",
                                  (tenant, cid)).fetchone()
        return json.loads(row[0]) if row else None

    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            cur = self.db.execute("UPDATE completions SET metadata=? WHERE tenant=? AND id=?",
                                  (json.dumps(md), tenant, cid))
            if cur.rowcount == 0:
                return None
            return self.get(tenant, cid)

    def put_obj(self, tenant, cid, obj):
        body = {k: v for k, v in obj.items() if k != "metadata"}
        with self.lock:
            self.db.execute("UPDATE completions SET body=?, metadata=? WHERE tenant=? AND id=?",
                            (json.dumps(body), json.dumps(obj.get("metadata") or {}), tenant, cid))

    def delete(self, tenant, cid):
        with self.lock:
            cur = self.db.execute("DELETE FROM completions WHERE tenant=? AND id=?", (tenant, cid))
            return cur.rowcount > 0

    def list(self, tenant):
        with self.lock:
            rows = self.db.execute(
                "SELECT body, metadata FROM completions WHERE tenant=? ORDER BY created, seq",
                (tenant,)).fetchall()
        return [self._row_obj(*r) for r in rows]

    def close(self):
        with contextlib.suppress(Exception):
            self.db.close()


class JsonFileStore:
    """One JSON document per completion under a temporary directory (written atomically)."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="chatstore-")
        self.lock = threading.RLock()
        self.seq = 0

    def _dir(self, tenant):
        d = os.path.join(self.root, hashlib.sha256(tenant.encode()).hexdigest()[:16])
        os.makedirs(d, exist_ok=True)
        return d

    def _path(self, tenant, cid):
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", cid):
            return None
        return os.path.join(self._dir(tenant), cid + ".json")

    def read_doc(self, tenant, cid):
        p = self._path(tenant, cid)
        if not p or not os.path.exists(p):
            return None
        with open(p, encoding="utf-8") as f:
            return json.load(f)

    def write_doc(self, tenant, cid, doc):
        p = self._path(tenant, cid)
        tmp = p + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)

    def insert(self, tenant, obj, messages):
        with self.lock:
            self.seq += 1
            self.write_doc(tenant, obj["id"], {"seq": self.seq, "completion": obj,
                                                "messages": messages})

    def get(self, tenant, cid):
        doc = self.read_doc(tenant, cid)
        return doc["completion"] if doc else None

    def get_messages(self, tenant, cid):
        doc = self.read_doc(tenant, cid)
        return doc.get("messages") if doc else None

    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            doc = self.read_doc(tenant, cid)
            if not doc:
                return None
            doc["completion"]["metadata"] = md
            self.write_doc(tenant, cid, doc)
            return doc["completion"]

    def put_obj(self, tenant, cid, obj):
        with self.lock:
            doc = self.read_doc(tenant, cid)
            if doc:
                doc["completion"] = obj
                self.write_doc(tenant, cid, doc)

    def delete(self, tenant, cid):
        with self.lock:
            p = self._path(tenant, cid)
            if not p or not os.path.exists(p):
                return False
            os.remove(p)
            return True

    def list(self, tenant):
        d = self._dir(tenant)
        docs = []
        for name in os.listdir(d):
            if name.endswith(".json"):
                with contextlib.suppress(FileNotFoundError):
                    with open(os.path.join(d, name), encoding="utf-8") as f:
                        docs.append(json.load(f))
        docs.sort(key=lambda doc: (doc["completion"]["created"], doc["seq"]))
        return [doc["completion"] for doc in docs]

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- the service
class Service:
    """Conformant stored chat completions service. Subclasses override the hooks."""

    store_class = MemoryStore
    ensure_ascii = False
    reject_unknown_update_fields = True

    def __init__(self, api_keys):
        self.api_keys = dict(api_keys)
        self.store = self.store_class()

    # ----- infrastructure hooks
    def now(self):
        return time.time()

    def new_id(self):
        return new_completion_id()

    def respond(self, payload, status=200, headers=None):
        return json_response(payload, status, headers, ensure_ascii=self.ensure_ascii)

    def error_response(self, err: ApiError):
        return self.respond(err.payload(), err.status, err.headers)

    def close(self):
        close = getattr(self.store, "close", None)
        if close:
            close()

    # ----- auth / body
    def authenticate(self, request: Request):
        auth = request.headers.get("authorization")
        if not auth:
            raise ApiError(401, "You didn't provide an API key. You need to provide your API key "
                           "in an Authorization header using Bearer auth (i.e. Authorization: "
                           "Bearer YOUR_KEY).", code=None)
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or key not in self.api_keys:
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        return self.api_keys[key]

    async def read_body(self, request: Request):
        raw = await request.body()
        if not raw.strip():
            raise ApiError(400, "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly.)")
        try:
            body = json.loads(raw)
        except ValueError:
            raise ApiError(400, "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly.)")
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid request body: expected a JSON object.")
        return body

    # ----- validation
    def key_length(self, key):
        return len(key)

    def value_length(self, value):
        return len(value)

    def check_value_type(self, key, value, param):
        if not isinstance(value, str):
            raise ApiError(400, f"Invalid type for '{param}.{key}': expected a string, but got "
                           f"{type(value).__name__} instead.", param=f"{param}.{key}",
                           code="invalid_type")
        return value

    def validate_metadata(self, md, param="metadata"):
        if md is None:
            return {}
        if not isinstance(md, dict):
            raise ApiError(400, f"Invalid type for '{param}': expected an object, but got "
                           f"{type(md).__name__} instead.", param=param, code="invalid_type")
        if len(md) > MAX_PAIRS:
            raise ApiError(400, f"Invalid '{param}': too many properties. Expected an object with "
                           f"at most {MAX_PAIRS} properties, but got an object with {len(md)} "
                           "properties instead.", param=param,
                           code="object_above_max_properties")
        out = {}
        for k, v in md.items():
            if self.key_length(k) > MAX_KEY:
                raise ApiError(400, f"Invalid '{param}': string too long. Expected a key with "
                               f"maximum length {MAX_KEY}, but got a key with length "
                               f"{len(k)} instead.", param=param, code="string_above_max_length")
            v = self.check_value_type(k, v, param)
            if self.value_length(v) > MAX_VALUE:
                raise ApiError(400, f"Invalid '{param}.{k}': string too long. Expected a string "
                               f"with maximum length {MAX_VALUE}, but got a string with length "
                               f"{len(v)} instead.", param=f"{param}.{k}",
                               code="string_above_max_length")
            out[k] = v
        return out

    def validate_create(self, body):
        model = body.get("model")
        if model is None:
            raise ApiError(400, "Missing required parameter: 'model'.", param="model",
                           code="missing_required_parameter")
        if not isinstance(model, str) or not model:
            raise ApiError(400, "Invalid type for 'model': expected a non-empty string.",
                           param="model", code="invalid_type")
        msgs = body.get("messages")
        if msgs is None:
            raise ApiError(400, "Missing required parameter: 'messages'.", param="messages",
                           code="missing_required_parameter")
        if not isinstance(msgs, list) or not msgs:
            raise ApiError(400, "Invalid 'messages': expected a non-empty array.",
                           param="messages", code="invalid_value")
        for i, m in enumerate(msgs):
            if not isinstance(m, dict):
                raise ApiError(400, f"Invalid type for 'messages[{i}]': expected an object.",
                               param=f"messages[{i}]", code="invalid_type")
            if m.get("role") not in ROLES:
                raise ApiError(400, f"Invalid value for 'messages[{i}].role'.",
                               param=f"messages[{i}].role", code="invalid_value")
            c = m.get("content")
            if c is None and m["role"] != "assistant":
                raise ApiError(400, f"Missing required parameter: 'messages[{i}].content'.",
                               param=f"messages[{i}].content", code="missing_required_parameter")
            if c is not None and not isinstance(c, (str, list)):
                raise ApiError(400, f"Invalid type for 'messages[{i}].content'.",
                               param=f"messages[{i}].content", code="invalid_type")
        store = body.get("store", False)
        if store is None:
            store = False
        if not isinstance(store, bool):
            raise ApiError(400, "Invalid type for 'store': expected a boolean.", param="store",
                           code="invalid_type")
        n = body.get("n", 1)
        if n is None:
            n = 1
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 128:
            raise ApiError(400, "Invalid 'n': expected an integer between 1 and 128.",
                           param="n", code="invalid_value")
        tier = body.get("service_tier")
        if tier is not None and tier not in SERVICE_TIERS:
            raise ApiError(400, "Invalid value for 'service_tier'.", param="service_tier",
                           code="invalid_value")
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is not None and (isinstance(max_tokens, bool)
                                       or not isinstance(max_tokens, int) or max_tokens < 1):
            raise ApiError(400, "Invalid 'max_completion_tokens': expected a positive integer.",
                           param="max_completion_tokens", code="invalid_value")
        top = body.get("top_logprobs")
        if top is not None and (isinstance(top, bool) or not isinstance(top, int)
                                or not 0 <= top <= 20):
            raise ApiError(400, "Invalid 'top_logprobs': expected an integer between 0 and 20.",
                           param="top_logprobs", code="invalid_value")
        metadata = self.validate_create_metadata(body.get("metadata"))
        return {"model": model, "messages": msgs, "store": store, "n": n, "service_tier": tier,
                "max_tokens": max_tokens, "logprobs": bool(body.get("logprobs")),
                "top_logprobs": top or 0, "metadata": metadata, "tools": body.get("tools"),
                "tool_choice": body.get("tool_choice"), "raw": body}

    def validate_create_metadata(self, md):
        return self.validate_metadata(md)

    def validate_update_body(self, body):
        if "metadata" not in body:
            raise ApiError(400, "Missing required parameter: 'metadata'.", param="metadata",
                           code="missing_required_parameter")
        if self.reject_unknown_update_fields:
            for k in body:
                if k != "metadata":
                    raise ApiError(400, f"Unrecognized request argument supplied: {k}",
                                   param=k, code="unknown_parameter")
        return self.validate_metadata(body["metadata"])

    # ----- the model
    def reply_text(self, model, messages):
        last_user = ""
        for m in reversed(messages):
            if m.get("role") == "user":
                last_user = text_of(m.get("content"))
                break
        digest = hashlib.sha256((model + json.dumps(messages, sort_keys=True)).encode()
                                ).hexdigest()[:8]
        words = last_user.split()[:12]
        return f"Stored reply {digest} to: " + (" ".join(words) if words else "(nothing)")

    @staticmethod
    def tokens(text):
        return re.findall(r"\S+\s*", text)

    def logprobs_for(self, text, top):
        content = []
        for i, tok in enumerate(self.tokens(text)):
            lp = -round(0.011 * (i % 9 + 1), 6)
            entry = {"token": tok, "logprob": lp, "bytes": list(tok.encode("utf-8")),
                     "top_logprobs": []}
            alts = [tok, tok.upper(), tok.lower() + "s", "the ", "a ", ".", ",", "and "]
            for j in range(top):
                alt = alts[j % len(alts)] if j < len(alts) else f"tok{j} "
                entry["top_logprobs"].append({"token": alt, "logprob": round(lp - 0.5 * j, 6),
                                              "bytes": list(alt.encode("utf-8"))})
            content.append(entry)
        return {"content": content, "refusal": None}

    def build_completion(self, req, tenant):
        created = int(self.now())
        cid = self.new_id()
        model = req["model"]
        msgs = req["messages"]
        base = self.reply_text(model, msgs)
        choices = []
        completion_tokens = 0
        tool_choice = req["tool_choice"]
        tools = req["tools"] if isinstance(req["tools"], list) else []
        for i in range(req["n"]):
            text = base if i == 0 else f"{base} (variant {i})"
            toks = self.tokens(text)
            finish = "stop"
            if req["max_tokens"] is not None and len(toks) > req["max_tokens"]:
                toks = toks[:req["max_tokens"]]
                text = "".join(toks).rstrip()
                finish = "length"
            message = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
            fname = None
            if tools and (tool_choice == "required" or isinstance(tool_choice, dict)):
                if isinstance(tool_choice, dict):
                    fname = (tool_choice.get("function") or {}).get("name")
                if not fname:
                    fname = ((tools[0] or {}).get("function") or {}).get("name") or "tool"
            if fname:
                message["content"] = None
                message["tool_calls"] = [{
                    "id": "call_" + hashlib.sha1(f"{cid}{i}".encode()).hexdigest()[:24],
                    "type": "function",
                    "function": {"name": fname, "arguments": "{}"}}]
                finish = "tool_calls"
                toks = ["{}"]
            completion_tokens += len(toks)
            choice = {"index": i, "message": message,
                      "logprobs": (self.logprobs_for(text, req["top_logprobs"])
                                   if req["logprobs"] and not fname else None),
                      "finish_reason": finish}
            choices.append(choice)
        prompt_tokens = 3 + sum(4 + len(self.tokens(text_of(m.get("content")))) for m in msgs)
        tier = req["service_tier"]
        tier = {"flex": "flex", "priority": "priority", "fast": "priority",
                "scale": "scale"}.get(tier, "default")
        obj = {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0},
            },
            "service_tier": tier,
            "system_fingerprint": "fp_" + hashlib.sha1(model.encode()).hexdigest()[:10],
            "metadata": req["metadata"],
        }
        messages = []
        for i, m in enumerate(msgs):
            c = m.get("content")
            item = {"id": f"{cid}-{i}", "role": m["role"],
                    "content": text_of(c) if c is not None else None,
                    "name": m.get("name"),
                    "content_parts": c if isinstance(c, list) else None}
            if m.get("tool_calls") is not None:
                item["tool_calls"] = m["tool_calls"]
            if m.get("tool_call_id") is not None:
                item["tool_call_id"] = m["tool_call_id"]
            messages.append(item)
        return obj, messages

    # ----- store access hooks
    def store_insert(self, tenant, obj, messages):
        self.store.insert(tenant, obj, messages)

    def load(self, tenant, cid):
        return self.store.get(tenant, cid)

    def load_messages(self, tenant, cid):
        return self.store.get_messages(tenant, cid)

    def apply_update(self, tenant, cid, md, body):
        return self.store.replace_metadata(tenant, cid, md)

    def remove(self, tenant, cid):
        return self.store.delete(tenant, cid)

    def list_objects(self, tenant):
        return self.store.list(tenant)

    def list_source(self, tenant, model, filters):
        return self.list_objects(tenant)

    def view(self, obj, kind):
        """kind: create | retrieve | update | list"""
        return obj

    # ----- list helpers
    @staticmethod
    def parse_paging(q, default=20):
        raw = q.get("limit")
        limit = default
        if raw is not None:
            try:
                limit = int(raw)
            except ValueError:
                raise ApiError(400, "Invalid 'limit': expected an integer.", param="limit",
                               code="invalid_type")
            if not 1 <= limit <= 100:
                raise ApiError(400, "Invalid 'limit': expected a value between 1 and 100.",
                               param="limit", code="invalid_value")
        order = q.get("order") or "asc"
        if order not in ("asc", "desc"):
            raise ApiError(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order",
                           code="invalid_value")
        return limit, order, q.get("after")

    @staticmethod
    def metadata_filters(q):
        out = {}
        for k, v in q.multi_items():
            if k.startswith("metadata[") and k.endswith("]"):
                out[k[len("metadata["):-1]] = v
        return out

    def matches(self, obj, model, filters):
        if model is not None and obj.get("model") != model:
            return False
        md = obj.get("metadata") or {}
        return all(md.get(k) == v for k, v in filters.items())

    def filter_objects(self, tenant, objs, model, filters):
        return [o for o in objs if self.matches(o, model, filters)]

    @staticmethod
    def page(items, limit, order, after, key=lambda x: x["id"]):
        if order == "desc":
            items = list(reversed(items))
        if after:
            ids = [key(x) for x in items]
            items = items[ids.index(after) + 1:] if after in ids else []
        return items[:limit], len(items) > limit

    # ----- handlers
    async def h_create(self, request):
        tenant = self.authenticate(request)
        body = await self.read_body(request)
        req = self.validate_create(body)
        obj, messages = self.build_completion(req, tenant)
        if req["store"]:
            self.store_insert(tenant, obj, messages)
        return self.respond(self.view(obj, "create"))

    async def h_retrieve(self, request):
        tenant = self.authenticate(request)
        cid = request.path_params["cid"]
        obj = self.load(tenant, cid)
        if obj is None:
            raise not_found(cid)
        return self.respond(self.view(obj, "retrieve"))

    async def h_update(self, request):
        tenant = self.authenticate(request)
        cid = request.path_params["cid"]
        body = await self.read_body(request)
        md = self.validate_update_body(body)
        obj = self.apply_update(tenant, cid, md, body)
        if obj is None:
            raise not_found(cid)
        if isinstance(obj, Response):
            return obj
        return self.respond(self.view(obj, "update"))

    async def h_delete(self, request):
        tenant = self.authenticate(request)
        cid = request.path_params["cid"]
        if not self.remove(tenant, cid):
            raise not_found(cid)
        return self.respond({"object": "chat.completion.deleted", "id": cid, "deleted": True})

    async def h_list(self, request):
        tenant = self.authenticate(request)
        q = request.query_params
        limit, order, after = self.parse_paging(q)
        model = q.get("model")
        filters = self.metadata_filters(q)
        objs = self.list_source(tenant, model, filters)
        if order == "desc":
            objs = list(reversed(objs))
        if after:
            ids = [o["id"] for o in objs]
            objs = objs[ids.index(after) + 1:] if after in ids else []
        objs = self.filter_objects(tenant, objs, model, filters)
        page, more = objs[:limit], len(objs) > limit
        data = [self.view(o, "list") for o in page]
        return self.respond({"object": "list", "data": data,
                             "first_id": page[0]["id"] if page else None,
                             "last_id": page[-1]["id"] if page else None,
                             "has_more": more})

    async def h_messages(self, request):
        tenant = self.authenticate(request)
        cid = request.path_params["cid"]
        msgs = self.load_messages(tenant, cid)
        if msgs is None:
            raise not_found(cid)
        limit, order, after = self.parse_paging(request.query_params)
        page, more = self.page(msgs, limit, order, after)
        return self.respond({"object": "list", "data": page,
                             "first_id": page[0]["id"] if page else None,
                             "last_id": page[-1]["id"] if page else None,
                             "has_more": more})

    # ----- ASGI wiring
    def wrap(self, handler):
        async def endpoint(request):
            try:
                return await handler(request)
            except ApiError as e:
                return self.error_response(e)
        return endpoint

    async def collection(self, request):
        if request.method == "POST":
            return await self.h_create(request)
        return await self.h_list(request)

    async def item(self, request):
        if request.method == "POST":
            return await self.h_update(request)
        if request.method == "DELETE":
            return await self.h_delete(request)
        return await self.h_retrieve(request)

    def routes(self):
        return [
            Route("/v1/chat/completions", self.wrap(self.collection), methods=["GET", "POST"]),
            Route("/v1/chat/completions/{cid}", self.wrap(self.item),
                  methods=["GET", "POST", "DELETE"]),
            Route("/v1/chat/completions/{cid}/messages", self.wrap(self.h_messages),
                  methods=["GET"]),
        ]

    def middleware(self):
        return []

    def app(self):
        async def http_error(request, exc: HTTPException):
            status = exc.status_code
            msg = "Not found" if status == 404 else (exc.detail or "Error")
            return self.error_response(ApiError(status, f"{msg}: {request.method} "
                                                f"{request.url.path}"))

        @contextlib.asynccontextmanager
        async def lifespan(app):
            yield
            self.close()

        return Starlette(routes=self.routes(), middleware=self.middleware(),
                         exception_handlers={HTTPException: http_error}, lifespan=lifespan)


def make_app(service_class, api_keys):
    return service_class(api_keys).app()


# --------------------------------------------------------------------------- proxy layer
class ProxyApp:
    """An HTTP layer in front of an inner ASGI app (gateway, transcoder, WAF, CDN...).

    Subclasses override `on_request` (may answer directly by returning a Response) and
    `on_response` (may rewrite status, headers, body)."""

    hop_headers = {"content-length", "transfer-encoding", "connection", "host",
                   "content-encoding"}

    def __init__(self, inner_app):
        self.inner = inner_app
        self.client = None

    async def on_request(self, req):
        """req: dict(method, path, query (str), headers (dict lower), body (bytes))."""
        return None

    async def on_response(self, req, resp):
        """resp: dict(status, headers (dict lower), body (bytes))."""
        return resp

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            # forward lifespan to the inner app so it can clean up
            return await self.inner(scope, receive, send)
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        req = {"method": request.method, "path": scope["path"],
               "query": scope.get("query_string", b"").decode("latin-1"),
               "headers": {k.lower(): v for k, v in request.headers.items()}, "body": body}
        early = await self.on_request(req)
        if early is not None:
            return await early(scope, receive, send)
        if self.client is None:
            self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.inner),
                                            base_url="http://inner")
        url = req["path"] + ("?" + req["query"] if req["query"] else "")
        headers = {k: v for k, v in req["headers"].items() if k not in self.hop_headers}
        r = await self.client.request(req["method"], url, headers=headers, content=req["body"])
        resp = {"status": r.status_code,
                "headers": {k.lower(): v for k, v in r.headers.items()
                            if k.lower() not in self.hop_headers},
                "body": r.content}
        resp = await self.on_response(req, resp)
        out = Response(resp["body"], status_code=resp["status"], headers=resp["headers"])
        await out(scope, receive, send)


def json_body(resp):
    try:
        return json.loads(resp["body"])
    except ValueError:
        return None
