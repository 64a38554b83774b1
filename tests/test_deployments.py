"""The suite against targets as they are deployed (tests/faults/deployments.py): the key in
another header, a query parameter and a gateway's header on every request, a create that needs
a field of its own; and what the run writes about them, which holds no secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.reference import BackgroundServer, ReferenceApi
from tests.conftest import API_KEY, OTHER_KEY, SuiteRun
from tests.faults.deployments import (
    API_VERSION,
    GATEWAY_TOKEN,
    AzureStyleDeployment,
    EchoingDeployment,
    NoModelLoaded,
)
from tests.test_misconfiguration import one_usage_error

Serve = Callable[..., BackgroundServer]
Run = Callable[..., SuiteRun]

# Canaries: each secret the run is given, greppable in every byte it writes.
PORTKEY = "pk-canary-4b1d9e7f0a2c3e5d7f9b1a3c5e7d9f0b"
MARKED = "marked-canary-8e2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c"
SIGNATURE = "sig-canary-1a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e"
AZURE = ("--auth-header=api-key", f"--query=api-version={API_VERSION}")
GATEWAY = f"--secret-header=cf-aig-authorization: Bearer {GATEWAY_TOKEN}"


def vendor(server: BackgroundServer, *args: str) -> tuple[str, ...]:
    return (
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        f"--second-api-key={OTHER_KEY}",
        "--model=test-model",
        "--consistency-timeout=0",
        *args,
    )


def test_azure_style_target_passes_with_its_key_header_and_api_version(
    serve: Serve, run_suite: Run
) -> None:
    """It refuses any request without its api-key header, api-version query and gateway
    token: the whole suite passes with them, the fuzz cases (their auth probes drop the
    api-key header) included, and the run writes neither key nor token."""
    server = serve(AzureStyleDeployment)
    run = run_suite(*vendor(server, *AZURE, GATEWAY, "--fuzz", "--fuzz-examples=3"))
    assert run.result.ret == 0, run.result.stdout.str()[-4000:]
    doc = run.compliance
    assert doc["verdict"] == "PASSED", doc["headline"]
    assert {"UCC-AUTH-MISSING-401", "UCC-AUTH-TENANT-ISOLATION"} <= run.with_verdict("PASS")
    assert run.verdicts["UCC-VALID-GENERATED-INVALID-REJECTED"] == "PASS"  # fuzz cases ran
    assert doc["target"]["auth_header"] == "api-key"
    assert doc["target"]["query"] == {"api-version": API_VERSION}
    assert doc["target"]["headers"] == {"cf-aig-authorization": "[REDACTED]"}
    run.result.stdout.fnmatch_lines(["API key sent as api-key: KEY (not Authorization: Bearer)"])
    written = run.outputs()
    assert API_KEY not in written and OTHER_KEY not in written and GATEWAY_TOKEN not in written


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ((f"--query=api-version={API_VERSION}",), "the API key was refused: GET"),
        (("--auth-header=api-key",), "(Azure OpenAI's api-version: --query api-version=VERSION)"),
    ],
    ids=["key-as-bearer", "no-api-version"],
)
def test_azure_style_target_without_its_options_is_refused_in_one_line(
    serve: Serve, run_suite: Run, given: tuple[str, ...], said: str
) -> None:
    """The same target with the key as a bearer token, or without api-version: refused before
    any case, saying what to change."""
    server = serve(AzureStyleDeployment)
    line = one_usage_error(run_suite(*vendor(server, GATEWAY, *given, "-k", "LIMIT-PAIRS-17")))
    assert said in line


def test_no_secret_in_any_byte_a_failing_run_writes(serve: Serve, run_suite: Run) -> None:
    """A target that echoes every request header and its URL in each answer, and fails a
    case: the key (in api-key), a header secret by its name, one marked secret and a secret
    query parameter are in the transcripts only as [REDACTED], the curl line names a variable
    for each, and no byte of the terminal, report.html, junit.xml, compliance.json or bodies/
    holds any of them."""
    server = serve(EchoingDeployment)
    run = run_suite(
        *vendor(server, *AZURE, GATEWAY, "-k", "LIMIT-PAIRS-17"),
        f"--header=x-portkey-api-key:{PORTKEY}",
        f"--secret-header=X-Trace-Tag:{MARKED}",
        "--header=HTTP-Referer:https://conformance.example",
        f"--query=sig={SIGNATURE}",
    )
    assert run.result.ret == 1 and run.flagged == {"UCC-LIMIT-PAIRS-17"}
    assert list((run.reports_dir / "bodies").iterdir())  # the long body went to a file
    out = run.result.stdout.str()
    assert '"api-key":"[REDACTED]"' in out and '"x-trace-tag":"[REDACTED]"' in out  # echoed
    assert "> http-referer: https://conformance.example" in out
    curl = next(line for line in run.result.outlines if line.startswith("reproduce: curl"))
    for shown in (
        '-H "api-key: $OPENAI_API_KEY"',
        '-H "cf-aig-authorization: $UCC_HEADER_CF_AIG_AUTHORIZATION"',
        '-H "x-portkey-api-key: $UCC_HEADER_X_PORTKEY_API_KEY"',
        '-H "X-Trace-Tag: $UCC_HEADER_X_TRACE_TAG"',
        "sig=${UCC_QUERY_SIG}",
    ):
        assert shown in curl
    written = run.outputs().encode() + b"".join(
        p.read_bytes() for p in run.reports_dir.rglob("*") if p.is_file()
    )
    for secret in (API_KEY, OTHER_KEY, GATEWAY_TOKEN, PORTKEY, MARKED, SIGNATURE):
        assert secret.encode() not in written, secret


def test_target_that_creates_only_with_a_field_of_its_own_passes_with_create_extra(
    serve: Serve, run_suite: Run
) -> None:
    """A gateway with no model loaded answers 503 to a create without max_tokens 0 (and
    refuses the field in an update): with --create-extra every create, the stateful fuzz
    case's too, carries it, no update does, and the run passes."""
    server = serve(NoModelLoaded)
    extra = '--create-extra={"max_tokens": 0}'
    run = run_suite(*vendor(server, extra, "--fuzz", "--fuzz-examples=2", "--fuzz-stateful"))
    assert run.result.ret == 0, run.result.stdout.str()[-4000:]
    assert run.compliance["verdict"] == "PASSED"
    assert run.compliance["target"]["create_extra"] == {"max_tokens": 0}
    assert run.compliance["completions_created"] > 3  # the stateful sequences created too
    run.result.stdout.fnmatch_lines(['fields added to every create: {"max_tokens": 0}'])
    without = run_suite(*vendor(server, "-k", "LIMIT-PAIRS-17"))
    assert without.compliance["verdict"] == "SETUP FAILED"


class CountsRequests(ReferenceApi):
    """The reference server, counting what reaches it."""

    served = 0

    async def retrieve_endpoint(self, request: object) -> object:  # type: ignore[override]
        CountsRequests.served += 1
        return await super().retrieve_endpoint(request)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--header=no-colon", "ERROR: --header must be NAME:VALUE, got no colon"),
        ("--header=:value", "ERROR: --header must be NAME:VALUE, got an empty name"),
        ("--secret-header=x", "ERROR: --secret-header must be NAME:VALUE, got no colon"),
        ("--query=api-version", "ERROR: --query must be NAME=VALUE, got no '='"),
        ("--create-extra=[0]", "ERROR: --create-extra must be a JSON object"),
        ("--create-extra={max_tokens: 0}", "ERROR: --create-extra must be a JSON object"),
        ("--auth-header=api key", "ERROR: --auth-header: 'api key' is no HTTP header name"),
    ],
    ids=["no-colon", "empty-name", "secret-no-colon", "no-equals", "array", "not-json", "name"],
)
def test_malformed_value_is_one_usage_error_and_nothing_is_sent(
    serve: Serve, run_suite: Run, option: str, message: str
) -> None:
    server = serve(CountsRequests)
    CountsRequests.served = 0
    line = one_usage_error(run_suite(*vendor(server, option)))
    assert line.startswith(message)
    assert CountsRequests.served == 0


def test_auth_header_without_a_base_url_is_a_usage_error(run_suite: Run) -> None:
    """The embedded reference server takes its key as a bearer token only."""
    line = one_usage_error(run_suite("--auth-header=api-key"))
    assert line.startswith("ERROR: --auth-header is for a target given with --base-url")


def test_base_url_with_a_query_points_to_query_and_repeats_no_value(run_suite: Run) -> None:
    url = f"https://azure.example/openai/v1?api-version=2024-10-21&sig={SIGNATURE}"
    line = one_usage_error(run_suite(f"--base-url={url}", f"--api-key={API_KEY}", "--model=m"))
    assert line == (
        "ERROR: --base-url must not have a query (?api-version&sig): pass its parameters with "
        "--query NAME=VALUE (--query=api-version=... --query=sig=...); they then go with "
        "every request"
    )


def test_profile_names_the_variable_of_a_secret_and_refuses_its_value(
    serve: Serve, run_suite: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile carries the whole deployment (key header, query, gateway token from the
    environment, create fields), ranked below the command line; a secret-looking header
    written out in it is refused, naming the way to do it."""
    server = serve(AzureStyleDeployment)
    monkeypatch.setenv("CF_AIG_TOKEN", f"Bearer {GATEWAY_TOKEN}")
    profile = tmp_path / "azure.toml"
    profile.write_text(
        f'base_url = "{server.base_url}"\nmodel = "test-model"\nauth_header = "api-key"\n'
        f'[query]\napi-version = "{API_VERSION}"\n'
        '[headers]\ncf-aig-authorization = { env = "CF_AIG_TOKEN" }\nX-Title = "ucc"\n'
        "[create_extra]\nmax_completion_tokens = 64\n",
        encoding="utf-8",
    )
    run = run_suite(f"--profile={profile}", f"--api-key={API_KEY}", "-k", "LIMIT-PAIRS-17")
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    target = run.compliance["target"]
    assert target["headers"] == {"cf-aig-authorization": "[REDACTED]", "X-Title": "ucc"}
    assert target["create_extra"] == {"max_completion_tokens": 64}
    assert GATEWAY_TOKEN not in run.outputs()

    leaked = tmp_path / "leaked.toml"
    leaked.write_text(
        profile.read_text().replace('{ env = "CF_AIG_TOKEN" }', json.dumps(GATEWAY_TOKEN)),
        encoding="utf-8",
    )
    line = one_usage_error(run_suite(f"--profile={leaked}", f"--api-key={API_KEY}"))
    assert "headers cf-aig-authorization: its name says it holds a secret" in line
    assert 'cf-aig-authorization = { env = "VAR" }' in line and GATEWAY_TOKEN not in line
