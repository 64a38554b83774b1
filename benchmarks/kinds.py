"""What a request was, by the endpoint it hit: shared by the loopback server and the probe.

Its own module, with nothing but the standard library, because the probe loads it into the
suite's process: importing the loopback server there (Starlette, uvicorn, the reference app)
would add to the very start-up the probe measures.
"""

from __future__ import annotations


def request_kind(method: str, path: str) -> str:
    """`update`, `retrieve`, `create`, `list`, `delete`, `messages`, or `<METHOD> other`.

    Shared with the pytest probe, so the server's and the suite's counts break down alike.
    """
    parts = [p for p in path.split("/") if p]
    if parts and parts[0].startswith("v") and parts[0][1:].isdigit():
        parts = parts[1:]
    if parts[:2] != ["chat", "completions"]:
        return f"{method} other"
    names = {
        (2, "POST"): "create",
        (2, "GET"): "list",
        (3, "POST"): "update",
        (3, "GET"): "retrieve",
        (3, "DELETE"): "delete",
        (4, "GET"): "messages",
    }
    return names.get((len(parts), method), f"{method} other")
