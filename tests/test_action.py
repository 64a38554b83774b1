"""The GitHub Action (action.yml) a vendor's CI calls, and the lint that guards it.

GitHub itself is not here, so the action's own shell steps are run as the runner would run
them (bash, the inputs as environment variables, files for $GITHUB_OUTPUT and
$GITHUB_STEP_SUMMARY), with the installed ucc-conformance against the embedded server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.requirements import Level, catalogue

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def step(name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)
    return found


def run_step(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One `run:` step of the action, by bash as GitHub runs it (-e, pipefail)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(name)["run"]],
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_action_takes_the_documented_inputs_and_gives_its_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = {"base-url", "model", "api-key", "profile", "baseline", "strict", "args"}
    assert inputs <= set(ACTION["inputs"])
    assert set(ACTION["outputs"]) == {"headline", "compliance-json"}


def test_no_input_is_pasted_into_a_script() -> None:
    """Inputs reach the shell as environment variables only: an input holding `$(...)` or a
    quote must stay data (zizmor's template-injection audit checks the same)."""
    scripts = [s["run"] for s in ACTION["runs"]["steps"] if "run" in s]
    assert scripts and not [s for s in scripts if "${{" in s]


def test_run_and_summary_steps_report_the_verdicts(tmp_path: Path) -> None:
    """The run step assembles the options (args split on spaces), the summary step writes the
    verdict table to the job summary and the headline and compliance.json path as outputs."""
    outputs, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "BASE_URL": "",
        "MODEL": "",
        "OPENAI_API_KEY": "",
        "PROFILE": "",
        "BASELINE": "",
        "STRICT": "true",
        "ARGS": "--no-fuzz -m limits",
        "REPORTS": "ucc-reports",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }

    ran = run_step("Run the conformance suite", env, tmp_path)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert " passed" in ran.stdout and " failed" not in ran.stdout and "strict" in ran.stdout
    written = run_step("Write the verdicts to the job summary", env, tmp_path)
    assert written.returncode == 0, written.stderr

    table = summary.read_text(encoding="utf-8")
    assert "| UCC-LIMIT-PAIRS-17 | MUST | ✅ PASS |" in table
    assert "UCC-RESP-STATUS" not in table  # not run: -m limits
    lines = outputs.read_text(encoding="utf-8").splitlines()
    assert "compliance-json=ucc-reports/compliance.json" in lines
    headline = next(line for line in lines if line.startswith("headline="))
    unrun = sum(1 for r in catalogue().values() if r.area != "limits")
    must = sum(1 for r in catalogue().values() if r.area == "limits" and r.level is Level.MUST)
    assert headline == (
        f"headline=PASSED: {must}/{must} MUST passed, 0/0 SHOULD passed, 2 INFO observed; "
        f"{unrun} not run"
    )


def test_summary_step_without_a_run_says_so(tmp_path: Path) -> None:
    """A run that stopped before any verdict (a usage error) still leaves a summary line."""
    summary = tmp_path / "summary.md"
    env = {"REPORTS": "nowhere", "GITHUB_OUTPUT": str(tmp_path / "o")}
    written = run_step(
        "Write the verdicts to the job summary",
        {**env, "GITHUB_STEP_SUMMARY": str(summary)},
        tmp_path,
    )
    assert written.returncode == 0
    assert "No compliance.json" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "caught_by"),
    [
        ('--quiet "$SUITE"', "template-injection"),
        ("using: composite", "vendor.github-actions"),
    ],
    ids=["input-pasted-into-a-script", "unknown-runs-key"],
)
def test_lint_catches_a_broken_action(tmp_path: Path, change: str, caught_by: str) -> None:
    """The lint of `make lint` is not vacuous: a pasted input and a misspelt key fail it."""
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    if caught_by == "template-injection":
        broken = text.replace(change, "${{ inputs.args }}")
        command = [str(BIN / "zizmor"), "--offline", "--no-progress", "--config"]
        command += [str(ROOT / ".github" / "zizmor.yml"), "action.yml"]
    else:
        broken = text.replace(change, "using: composite\n  step-list: []")
        command = [str(BIN / "check-jsonschema"), "--builtin-schema", caught_by, "action.yml"]
    assert broken != text
    (tmp_path / "action.yml").write_text(broken, encoding="utf-8")

    linted = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )

    assert linted.returncode != 0
    if caught_by == "template-injection":
        assert caught_by in linted.stdout + linted.stderr
