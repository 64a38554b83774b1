"""The target of a run and the completions the suite creates there.

A vendor run creates at most three completions, lazily and only when a selected case needs
them: one stored completion that every update case shares, one created with store=false, and
one that is deleted. Each id is written to a ledger before it is used, so a crashed run's
leftovers are deleted by the next run against the same base URL; the suite deletes what it
created at the end and restores the original metadata of a --completion-id it was given.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from conformance.client import Client, Exchange
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.transcript import Redactor

T = TypeVar("T")
FIXTURE_PROMPT = "Conformance suite fixture. Reply with the single word: ok."


@dataclass(frozen=True)
class Settings:
    """The run's resolved options (CLI > environment > ini > default)."""

    base_url: str
    api_key: str
    model: str | None
    completion_id: str | None = None
    no_create: bool = False
    strict: bool = False
    consistency_timeout: float = 30.0
    timeout: float = 10.0
    embedded: bool = False
    ledger: Path | None = None
    second_api_key: str | None = None


@dataclass
class Completion:
    """A stored completion the cases update, and how it looked when the suite first read it."""

    id: str
    original: dict[str, Any]
    created_by_suite: bool


@dataclass
class Stats:
    completions_created: int = 0
    storage_delays: list[float] = field(default_factory=list)

    @property
    def max_storage_delay(self) -> float | None:
        return max(self.storage_delays) if self.storage_delays else None


class Target:
    """The server under test with the run's client, created completions and cleanup."""

    def __init__(self, settings: Settings, redact: Redactor) -> None:
        self.settings = settings
        self.redact = redact
        self.client = Client(settings.base_url, settings.api_key, timeout=settings.timeout)
        self.nonce = secrets.token_hex(4)
        self.stats = Stats()
        self._made: dict[str, Any] = {}
        self._to_delete: list[str] = []

    # --- consistency ------------------------------------------------------------------------
    def wait_for(
        self, fetch: Callable[[], Exchange], ready: Callable[[Exchange], bool]
    ) -> tuple[Exchange, bool]:
        """Poll with backoff until `ready` or --consistency-timeout; the last exchange and why."""
        started = time.monotonic()
        deadline = started + self.settings.consistency_timeout
        pause = 0.25
        while True:
            exchange = fetch()
            if ready(exchange):
                if time.monotonic() > started:
                    self.stats.storage_delays.append(round(time.monotonic() - started, 3))
                return exchange, True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or exchange.error is not None:
                return exchange, False
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, 4.0)

    def read(self, completion_id: str, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Retrieve until the stored object satisfies `ready`; Inconclusive if it never does."""

        def settled(exchange: Exchange) -> bool:
            return exchange.status == 200 and _object_ready(exchange, ready)

        exchange, ok = self.wait_for(lambda: self.client.retrieve(completion_id), settled)
        if not ok:
            raise Inconclusive(
                f"the stored completion did not reach the expected state within "
                f"{self.settings.consistency_timeout:g} s (last retrieve: "
                f"{exchange.error or f'HTTP {exchange.status}'})"
            )
        body = exchange.json()
        assert isinstance(body, dict)
        return body

    # --- the completions the cases need -----------------------------------------------------
    def stored(self) -> Completion:
        """The stored completion every update case shares (created once, or --completion-id)."""
        return self._once("stored", self._make_stored)

    def unstored_id(self) -> str:
        """The id of a completion created with store=false."""
        return self._once("unstored", lambda: self._create(store=False))

    def deleted_id(self) -> str:
        """The id of a stored completion the suite has deleted."""
        return self._once("deleted", self._make_deleted)

    def _once(self, name: str, make: Callable[[], T]) -> T:
        """Make a resource once; a failure (or skip) is remembered, so nothing is created twice."""
        if name not in self._made:
            try:
                self._made[name] = make()
            except (Exception, pytest.skip.Exception) as exc:
                self._made[name] = exc
        made = self._made[name]
        if isinstance(made, BaseException):
            # A fresh traceback each time: re-raising one instance grows its traceback with
            # every case, and rendering the report becomes quadratic.
            raise made.with_traceback(None)
        return cast(T, made)

    def _make_stored(self) -> Completion:
        given = self.settings.completion_id
        if given is not None:
            original = self.read(given, lambda _: True)
            return Completion(given, original, created_by_suite=False)
        completion_id = self._create(store=True)
        original = self._read_created(completion_id)
        return Completion(completion_id, original, created_by_suite=True)

    def _read_created(self, completion_id: str) -> dict[str, Any]:
        """The completion just created with store: true, as a retrieve shows it.

        Not yet found (404) within the consistency bound is INCONCLUSIVE, as for any wait. Any
        other error answer, or a 404 from a target that promised read-your-writes
        (--consistency-timeout=0), is no wait at all: the target cannot be set up, and the run
        fails instead of passing with every case INCONCLUSIVE.
        """
        exchange, ok = self.wait_for(
            lambda: self.client.retrieve(completion_id),
            lambda ex: ex.status == 200 and _object_ready(ex, lambda _: True),
        )
        if ok:
            body = exchange.json()
            assert isinstance(body, dict)
            return body
        waiting = exchange.status == 404 and self.settings.consistency_timeout > 0
        if exchange.error is not None or waiting:
            raise Inconclusive(
                f"the stored completion did not become readable within "
                f"{self.settings.consistency_timeout:g} s (last retrieve: "
                f"{exchange.error or f'HTTP {exchange.status}'})"
            )
        got = f"HTTP {exchange.status}" + (
            " without a JSON object" if exchange.status == 200 else ""
        )
        raise ConformanceFailure(
            "setup: the completion just created with store: true could not be retrieved "
            f"(GET /chat/completions/{{id}} answered {got})",
            (exchange,),
        )

    def _make_deleted(self) -> str:
        completion_id = self._create(store=True)
        self._read_created(completion_id)
        exchange = self.client.delete(completion_id)
        if exchange.status in (404, 405, 501):
            pytest.skip(
                f"the target offers no DELETE of stored completions (HTTP {exchange.status}), "
                "so updates of deleted ones cannot be tested"
            )
        if exchange.status != 200:
            raise Inconclusive(
                f"could not delete a completion to test updates of deleted ones "
                f"(DELETE answered {exchange.error or f'HTTP {exchange.status}'})"
            )
        self._to_delete.remove(completion_id)
        self._forget(completion_id)
        self.wait_for(lambda: self.client.retrieve(completion_id), lambda ex: ex.status == 404)
        return completion_id

    def _create(self, *, store: bool) -> str:
        if self.settings.no_create:
            pytest.skip("needs a completion created by the suite, and --no-create was given")
        if not self.settings.model:
            pytest.skip("needs a completion created by the suite, and no --model was given")
        body = {
            "model": self.settings.model,
            "messages": [{"role": "user", "content": FIXTURE_PROMPT}],
            "store": store,
            "metadata": {"ucc_conformance_run": self.nonce},
        }
        exchange = self.client.create(body)
        completion_id = _created_id(exchange)
        if exchange.status != 200 or completion_id is None:
            raise ConformanceFailure(
                "setup: could not create a chat completion to test with "
                f"(POST /chat/completions answered {exchange.error or f'HTTP {exchange.status}'})",
                (exchange,),
            )
        self.stats.completions_created += 1
        if store:
            self._to_delete.append(completion_id)
            self._remember(completion_id)
        return completion_id

    def totals(self) -> dict[str, Any]:
        """What this process's part of the run cost (JSON-ready, summed over xdist workers)."""
        limits = self.client.rate_limits
        return {
            "requests_sent": self.client.requests_sent,
            "completions_created": self.stats.completions_created,
            "max_storage_delay_s": self.stats.max_storage_delay,
            "rate_limit_retries": limits.retried,
            "rate_limit_wait_s": round(limits.waited, 3),
            "connection_retries": self.client.retries,
        }

    # --- cleanup ----------------------------------------------------------------------------
    def cleanup(self) -> list[str]:
        """Delete what the suite created and restore a given completion; lines to report."""
        notes: list[str] = []
        stored = self._made.get("stored")
        if isinstance(stored, Completion) and not stored.created_by_suite:
            notes.append(self._restore(stored))
        for completion_id in list(self._to_delete):
            exchange = self.client.delete(completion_id)
            if exchange.status in (200, 404):
                self._to_delete.remove(completion_id)
                self._forget(completion_id)
            else:
                notes.append(
                    f"could not delete {completion_id} "
                    f"({exchange.error or f'HTTP {exchange.status}'}); it stays in the ledger"
                )
        self.client.close()
        return notes

    def _restore(self, stored: Completion) -> str:
        """Put the given completion's original metadata back, and check that it took."""
        original = stored.original.get("metadata") or {}
        exchange = self.client.update(stored.id, {"metadata": original})
        if exchange.status != 200:
            got = exchange.error or f"HTTP {exchange.status}"
            return f"original metadata of {stored.id} could NOT be restored (update answered {got})"
        later, same = self.wait_for(
            lambda: self.client.retrieve(stored.id),
            lambda ex: (
                ex.status == 200 and _object_ready(ex, lambda o: o.get("metadata") == original)
            ),
        )
        if same:
            return f"original metadata of {stored.id} restored"
        now = (later.json_object() or {}).get("metadata") or {}
        added = sorted(set(now) - set(original)) if isinstance(now, dict) else []
        why = f": {len(added)} key(s) added by the suite remain (the target merges updates)"
        return f"original metadata of {stored.id} could NOT be fully restored" + (
            why if added else ""
        )

    def sweep_ledger(self) -> int:
        """Delete the completions a previous crashed run left at this base URL (its own ledger
        and those of xdist workers beside it)."""
        ledger = self.settings.ledger
        if ledger is None:
            return 0
        swept = 0
        for path in sorted(ledger.parent.glob(f"{ledger.stem}*{ledger.suffix}")):
            entries = _read_ledger(path)
            mine = [e for e in entries if e["base_url"] == self.settings.base_url]
            for entry in mine:
                self.client.delete(entry["id"])
            if mine:
                _write_ledger(path, [e for e in entries if e not in mine])
            swept += len(mine)
        return swept

    def _remember(self, completion_id: str) -> None:
        if self.settings.ledger is not None:
            entries = _read_ledger(self.settings.ledger)
            entries.append({"base_url": self.settings.base_url, "id": completion_id})
            _write_ledger(self.settings.ledger, entries)

    def _forget(self, completion_id: str) -> None:
        if self.settings.ledger is not None:
            entries = _read_ledger(self.settings.ledger)
            _write_ledger(self.settings.ledger, [e for e in entries if e["id"] != completion_id])


def _read_ledger(ledger: Path) -> list[dict[str, str]]:
    if not ledger.exists():
        return []
    try:
        data = json.loads(ledger.read_text(encoding="utf-8"))
        return [e for e in data.get("completions", []) if {"base_url", "id"} <= set(e)]
    except (OSError, ValueError, AttributeError):
        return []


def _write_ledger(ledger: Path, entries: list[dict[str, str]]) -> None:
    if not entries:
        ledger.unlink(missing_ok=True)
        return
    ledger.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_text(json.dumps({"completions": entries}, indent=1), encoding="utf-8")


def _object_ready(exchange: Exchange, ready: Callable[[dict[str, Any]], bool]) -> bool:
    body = exchange.json_object()
    return body is not None and ready(body)


def _created_id(exchange: Exchange) -> str | None:
    value = (exchange.json_object() or {}).get("id") if exchange.status == 200 else None
    return value if isinstance(value, str) and value else None
