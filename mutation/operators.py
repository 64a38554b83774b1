"""Two mutation operators cosmic-ray lacks, for a JSON server: a dropped statement, a changed
string.

Cosmic-ray's core operators change operators, numbers, booleans and exception handlers. A
server's behaviour also lives in its statements (the write that stores an update, the raise
that refuses a long key) and in its strings (field names, object types, SQL), so the campaign
adds these two, as an operator provider registered under the name `ucc` (see campaign.py).

Error message texts (the message argument of `ApiError(status, message, ...)`) are left
alone: the page documents no message text, so a changed one is not a fault any client could
hold against a server.
Docstrings and f-strings are left alone too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import parso.python.tree as tree
from cosmic_ray.operators.operator import Example, Operator

Position = tuple[tuple[int, int], tuple[int, int]]

# The statements whose absence changes what a server does: assignments, calls, raise, del.
DROPPABLE = {"expr_stmt", "atom_expr", "power", "raise_stmt", "del_stmt"}
QUOTED = re.compile(r"(?P<prefix>[rRbBuU]*)(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)$", re.S)


def _inside_function(node: Any) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "funcdef":
            return True
        parent = parent.parent
    return False


class DropStatement(Operator):  # type: ignore[misc]  # cosmic-ray ships no type hints
    """Replace one statement inside a function (an assignment, a call, a raise) with `pass`."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == "simple_stmt" and _inside_function(node):
            statement = node.children[0]
            if statement.type in DROPPABLE:
                yield (statement.start_pos, statement.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        statement = node.children[0]
        node.children[0] = tree.Keyword(
            "pass", statement.start_pos, statement.get_first_leaf().prefix
        )
        node.children[0].parent = node
        return node

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example("def f():\n    x = 1\n", "def f():\n    pass\n"),
            Example("def f():\n    raise E()\n", "def f():\n    pass\n"),
            Example("x = 1\n", "x = 1\n"),
        )


def _is_docstring(node: Any) -> bool:
    return bool(node.parent is not None and node.parent.type == "simple_stmt")


def _is_error_message(node: Any) -> bool:
    """True for a string in the message argument of a call `ApiError(status, message, ...)`."""
    below, parent = node, node.parent
    while parent is not None and parent.type != "trailer":
        if parent.type == "arglist":
            trailer = parent.parent
            callee = trailer.get_previous_sibling() if trailer.type == "trailer" else None
            positional = [a for a in parent.children if a.type not in ("operator", "argument")]
            return (
                getattr(callee, "value", None) == "ApiError"
                and len(positional) > 1
                and below is positional[1]
            )
        below, parent = parent, parent.parent
    return False


class ReplaceString(Operator):  # type: ignore[misc]
    """Wrap a string literal's text in XX: "chat.completion" becomes "XXchat.completionXX"."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if (
            isinstance(node, tree.String)
            and QUOTED.match(node.value)
            and not _is_docstring(node)
            and not _is_error_message(node)
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        match = QUOTED.match(node.value)
        assert match is not None
        prefix, quote, body = match.group("prefix", "quote", "body")
        value = f"{prefix}{quote}XX{body}XX{quote}"
        return tree.String(value, node.start_pos, prefix=node.prefix)

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example('x = "asc"', 'x = "XXascXX"'),
            Example("x = ''", "x = 'XXXX'"),
            Example('raise ApiError(400, "m", code="c")', 'raise ApiError(400, "m", code="XXcXX")'),
        )


def provider() -> dict[str, type[Operator]]:
    """The operator provider: cosmic-ray names these `ucc/DropStatement`, `ucc/ReplaceString`."""
    return {"DropStatement": DropStatement, "ReplaceString": ReplaceString}
