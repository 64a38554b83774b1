"""What a run loads before its first case: the heavy libraries only when their cases are selected.

Schemathesis and Hypothesis (the fuzz cases) and the OpenAI SDK (one shape case) take seconds to
import; a run that selects none of their cases must not pay for them. Only a fresh interpreter
shows what a run imports, so the suite runs in a subprocess with a small plugin that writes down
which of them were loaded when the first case started and when the session ended.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.collection import CASES_DIR

ROOT = CASES_DIR.parents[1]
HEAVY = ("schemathesis", "hypothesis", "openai")

PROBE = """
import json, sys

def loaded():
    return sorted(m for m in {heavy!r} if m in sys.modules)

seen = {{}}

def pytest_runtest_setup(item):
    seen.setdefault("first_case", loaded())

def pytest_unconfigure(config):
    seen["end"] = loaded()
    with open({out!r}, "w") as f:
        json.dump(seen, f)
"""


def loaded_during(tmp_path: Path, *args: str) -> dict[str, list[str]]:
    out = tmp_path / "loaded.json"
    (tmp_path / "heavy_probe.py").write_text(PROBE.format(heavy=HEAVY, out=str(out)))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "heavy_probe", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    loaded: dict[str, list[str]] = json.loads(out.read_text())
    return loaded


def test_a_run_without_fuzz_or_sdk_cases_never_imports_their_libraries(tmp_path: Path) -> None:
    loaded = loaded_during(tmp_path, "-m", "limits", "--no-fuzz", f"--reports-dir={tmp_path}")

    assert loaded == {"first_case": [], "end": []}


def test_a_run_with_fuzz_cases_loads_schemathesis_for_them(tmp_path: Path) -> None:
    """The other side: the lazy import still happens when the fuzz cases are selected, and
    their cases run (Schemathesis's pytest plugin was registered in time to build them)."""
    selection = "fuzz_valid_update_is_accepted"
    loaded = loaded_during(
        tmp_path, "-k", selection, "--fuzz-examples=2", f"--reports-dir={tmp_path}"
    )

    assert {"schemathesis", "hypothesis"} <= set(loaded["first_case"])
    assert "openai" not in loaded["end"]
