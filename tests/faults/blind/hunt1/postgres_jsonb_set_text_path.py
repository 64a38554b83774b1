"""Fault: each key is spliced into a PostgreSQL text[] path literal for jsonb_set ('{' || key || '}')."""
from base import ChatService, APIError, build, MAX_PAIRS, bad_request

KIND = "fault"
RATIONALE = ("Merge update implemented as jsonb_set(metadata, ('{' || key || '}')::text[], to_jsonb(value)) per "
             "pair: the key is parsed as an array literal, so surrounding whitespace is trimmed, double quotes "
             "and backslashes are consumed, a key with a comma becomes a 2-element path that silently sets "
             "nothing, an empty key sets nothing, and NULL/braces make the database error out (500).")
SOURCE = ("PostgreSQL array input syntax (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO) and "
          "jsonb_set (https://www.postgresql.org/docs/15/functions-json.html)")
VIOLATES = "Keys are strings with a maximum length of 64 characters."


class PgError(Exception):
    pass


def parse_text_array(inner: str):
    """Parse the inside of a PostgreSQL array literal '{...}' into a list (None for NULL)."""
    if inner.strip() == "":
        return []
    elems, buf, quoted, in_q, i = [], [], False, False, 0

    def finish():
        text = "".join(buf)
        if not quoted:
            text = text.strip(" \t\n\r\v\f")
            if text == "":
                raise PgError('malformed array literal: "{%s}"' % inner)
            if text.upper() == "NULL":
                return None
        return text

    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            i += 1
            if i >= len(inner):
                raise PgError('malformed array literal: "{%s}"' % inner)
            buf.append(inner[i])
        elif in_q:
            if ch == '"':
                in_q = False
            else:
                buf.append(ch)
        elif ch == '"':
            in_q, quoted = True, True
        elif ch == ",":
            elems.append(finish())
            buf, quoted = [], False
        elif ch in "{}":
            raise PgError('malformed array literal: "{%s}"' % inner)
        else:
            buf.append(ch)
        i += 1
    if in_q:
        raise PgError('malformed array literal: "{%s}"' % inner)
    elems.append(finish())
    return elems


def jsonb_set(target: dict, path: list, value):
    if any(p is None for p in path):
        raise PgError("path element at position %d is null" % (path.index(None) + 1))
    if not path:
        return target
    if len(path) == 1:
        out = dict(target)
        out[path[0]] = value
        return out
    return target          # intermediate element is a string scalar: nothing is set


class JsonbSetService(ChatService):
    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        if len({**rec["metadata"], **md}) > MAX_PAIRS:
            raise bad_request("Invalid 'metadata': the chat completion would have more than 16 metadata pairs.",
                              param="metadata", code="object_above_max_properties")
        new = dict(rec["metadata"])
        try:
            for k, v in md.items():
                new = jsonb_set(new, parse_text_array(k), v)
        except PgError as e:
            raise APIError(500, f"The server had an error while processing your request. ({e})",
                           type="server_error")
        rec["metadata"] = new
        self.store.save(rec)
        return self.render(rec)           # UPDATE ... RETURNING *


def create_app(api_keys: dict[str, str]):
    return build(JsonbSetService, api_keys)
