"""Transcripts: the one place text about requests is made, so the one place a key could leak.

A vendor pastes these into tickets; they must never carry the key, must stay readable when
the answer is huge, and must end in a curl line that sends the same request again.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.access import Access
from conformance.client import Exchange
from conformance.transcript import BODY_PREVIEW_CHARS, REDACTED, Redactor, format_exchange
from tests.conftest import SuiteRun
from tests.faults.catalogue import IgnoresTenants

KEY = "sk-transcript-0123456789abcdef"
SECOND = "sk-transcript-other-0123456789abcdef"
URL = "http://target.test/v1/chat/completions/chatcmpl-1"


def exchange(
    response_body: bytes = b'{"ok": true}', *, request_body: bytes | None = b'{"metadata":{}}'
) -> Exchange:
    """An update sent with KEY and answered 200 with `response_body`."""
    return Exchange(
        method="POST",
        url=URL,
        request_headers={
            "accept": "application/json",
            "authorization": f"Bearer {KEY}",
            "content-type": "application/json",
        },
        request_body=request_body,
        status=200,
        response_headers={"content-type": "application/json"},
        response_body=response_body,
        elapsed=0.012,
    )


def test_redactor_replaces_every_occurrence_of_every_secret() -> None:
    """A key echoed twice, next to a second key, must be gone in both places."""
    redact = Redactor([KEY, "sk-second-secret"])
    text = redact(f"a {KEY} b sk-second-secret c {KEY}")
    assert text == f"a {REDACTED} b {REDACTED} c {REDACTED}"


@pytest.mark.parametrize(
    "secrets",
    [["abcd", "abcdefgh"], ["abcdefgh", "abcd"]],
    ids=["short-given-first", "long-given-first"],
)
def test_redactor_replaces_the_longest_secret_first(secrets: list[str]) -> None:
    """A short key inside a long one must not leave the long one's tail readable."""
    assert Redactor(secrets)("x abcdefgh y") == f"x {REDACTED} y"


@pytest.mark.parametrize(
    ("secret", "kept"),
    [("abc", True), ("abcd", False), (None, True), ("", True)],
    ids=["three-chars", "four-chars", "none", "empty"],
)
def test_redactor_ignores_secrets_shorter_than_four_characters(
    secret: str | None, kept: bool
) -> None:
    """Redacting a 1-3 character "key" would shred every transcript and protect nothing."""
    assert (Redactor([secret])("abcd abc") == "abcd abc") is kept


def test_format_exchange_shows_the_authorization_scheme_and_hides_the_key() -> None:
    """The reader needs to see that a Bearer key was sent, never which one."""
    text = format_exchange(exchange(), Redactor([KEY]))
    assert f"> authorization: Bearer {REDACTED}" in text.splitlines()
    assert KEY not in text


def test_format_exchange_hides_a_key_the_server_echoes_in_its_body() -> None:
    """A server that repeats the key in its answer must not get it into the report."""
    echoed = exchange(f'{{"error": {{"message": "bad key {KEY}"}}}}'.encode())
    text = format_exchange(echoed, Redactor([KEY]))
    assert KEY not in text
    assert f"bad key {REDACTED}" in text


def test_format_exchange_hides_an_authorization_value_without_a_scheme() -> None:
    """A case sending a raw key (no "Bearer ") must not print it, registered secret or not."""
    raw = exchange()
    raw.request_headers["authorization"] = "sk-unregistered-raw-key-42"
    assert "sk-unregistered-raw-key-42" not in format_exchange(raw, Redactor())


def test_format_exchange_cuts_a_long_body_and_says_how_long_it_was() -> None:
    """A 1 MB answer must not bury the rest of the failure report."""
    body = b"y" * (BODY_PREVIEW_CHARS * 3)
    text = format_exchange(exchange(body), Redactor([KEY]))
    assert f"{'y' * BODY_PREVIEW_CHARS}… ({len(body)} bytes in all)" in text
    assert "y" * (BODY_PREVIEW_CHARS + 1) not in text


def test_a_long_json_answer_keeps_what_follows_its_long_arrays() -> None:
    """Log probabilities of two choices outgrow the preview; the metadata after them is what a
    reader of an update's failure needs."""
    entries = [{"token": f"t{i}", "logprob": -0.5, "bytes": [116]} for i in range(40)]
    choices = [{"index": i, "logprobs": {"content": entries}} for i in range(2)]
    body = json.dumps({"choices": choices, "metadata": {"k": "caf\u00e9 \ud800"}}).encode()
    assert len(body) > BODY_PREVIEW_CHARS
    text = format_exchange(exchange(body), Redactor([KEY]))
    assert f'"metadata":{{"k":"café \\ud800"}}}} (long arrays shortened; {len(body)} bytes' in text
    assert '{"token":"t1","logprob":-0.5,"bytes":[116]},"… 38 more"]' in text


def test_format_exchange_of_a_truncated_answer_says_where_it_was_cut() -> None:
    """The client's cap cut the answer: the reader must not take the tail as the whole."""
    capped = exchange(b'{"partial": ')
    capped.truncated = True
    assert '< {"partial": … (cut at 12 bytes)' in format_exchange(capped, Redactor([KEY]))


def test_format_exchange_ends_with_a_curl_line_using_the_environment_key() -> None:
    """The vendor reproduces with their own key from $OPENAI_API_KEY, body byte for byte."""
    body = '{"metadata":{"quote":"it\'s \\"x\\"","név":"ü"}}'
    text = format_exchange(exchange(request_body=body.encode()), Redactor([KEY]))
    last = text.splitlines()[-1]
    assert last.startswith("reproduce: curl ")
    argv = shlex.split(last.removeprefix("reproduce: "))
    assert argv[:4] == ["curl", "-X", "POST", URL]
    assert "Authorization: Bearer $OPENAI_API_KEY" in argv
    assert argv[argv.index("--data-binary") + 1] == body


def test_curl_line_of_an_exchange_sent_with_the_second_key_names_its_variable() -> None:
    """Replayed with $OPENAI_API_KEY, a request of another project's key would be answered as
    the suite's own: the line names the variable the second key was read from."""
    sent = exchange()
    sent.request_headers["authorization"] = f"Bearer {SECOND}"
    redact = Redactor([KEY], variables={SECOND: "CONFORMANCE_SECOND_API_KEY"})
    text = format_exchange(sent, redact)
    argv = shlex.split(text.splitlines()[-1].removeprefix("reproduce: "))
    assert "Authorization: Bearer $CONFORMANCE_SECOND_API_KEY" in argv
    assert "$OPENAI_API_KEY" not in text and SECOND not in text


def test_curl_line_of_an_exchange_sent_with_the_main_key_names_it_beside_a_second_key() -> None:
    """Knowing the second key's variable must not move the suite's own requests to it."""
    redact = Redactor([KEY], variables={SECOND: "CONFORMANCE_SECOND_API_KEY"})
    argv = shlex.split(
        format_exchange(exchange(), redact).splitlines()[-1].removeprefix("reproduce: ")
    )
    assert "Authorization: Bearer $OPENAI_API_KEY" in argv


@pytest.mark.parametrize("auth_header", ["authorization", "api-key"])
def test_curl_line_of_a_made_up_key_writes_it_out(auth_header: str) -> None:
    """The auth cases' made-up key is no secret: replayed with $OPENAI_API_KEY, the request
    UCC-AUTH-WRONG-401 judged would be answered 200. The line sends what was sent."""
    made_up = "sk-ucc-wrong-0123456789abcdef"
    access = Access(auth_header=auth_header)
    sent = exchange()
    del sent.request_headers["authorization"]
    sent.request_headers[auth_header] = access.credential(made_up)[1]
    argv = shlex.split(
        format_exchange(sent, Redactor([KEY], access)).splitlines()[-1].removeprefix("reproduce: ")
    )
    bearer = auth_header == "authorization"
    assert (f"Authorization: Bearer {made_up}" if bearer else f"{auth_header}: {made_up}") in argv
    assert not any("$OPENAI_API_KEY" in arg for arg in argv)


def test_a_run_replays_another_projects_request_with_the_second_key(
    run_against: Callable[..., SuiteRun],
) -> None:
    """The leak UCC-AUTH-TENANT-ISOLATION shows is a read with the second key: a vendor who
    pastes its curl line must send that key, or the completion is theirs and the read fine."""
    run = run_against(IgnoresTenants, "-m", "auth")
    assert run.verdicts["UCC-AUTH-TENANT-ISOLATION"] == "FAIL"
    text = run.result.stdout.str()
    start = text.index("retrieve with another project's key: expected 404 or 403, got HTTP 200")
    replay = next(line for line in text[start:].splitlines() if line.startswith("reproduce: "))
    assert "Authorization: Bearer $CONFORMANCE_SECOND_API_KEY" in replay, replay


def test_curl_line_reads_a_long_body_from_a_file_beside_the_reports(tmp_path: Path) -> None:
    """A 512-character value makes a curl line nobody can copy: the body goes to a file the
    line reads, byte for byte, and the line stays short."""
    body = json.dumps({"metadata": {"k": "0" * 512}})
    text = format_exchange(exchange(request_body=body.encode()), Redactor([KEY]), tmp_path)
    last = text.splitlines()[-1]
    argv = shlex.split(last.removeprefix("reproduce: "))
    data = argv[argv.index("--data-binary") + 1]
    assert data.startswith("@") and len(last) < 300
    assert Path(data[1:]).read_text(encoding="utf-8") == body


def test_curl_line_without_a_folder_for_bodies_says_it_cut_the_body() -> None:
    """Where no file can be written, the line still runs, and says what it left out."""
    body = json.dumps({"metadata": {"k": "0" * 512}})
    last = format_exchange(exchange(request_body=body.encode()), Redactor([KEY])).splitlines()[-1]
    assert f"# body cut at 300 of {len(body)}" in last


def test_format_exchange_of_a_transport_error_shows_the_error_line() -> None:
    """With no answer there is no status to show; the error is what the vendor must read."""
    failed = exchange()
    failed.status, failed.response_body, failed.elapsed = None, b"", 0.3
    failed.error = "no answer within 0.3 s"
    lines = format_exchange(failed, Redactor([KEY])).splitlines()
    assert "< no answer within 0.3 s (after 0.30 s)" in lines
    assert not any(line.startswith("< HTTP") for line in lines)
