"""The installable command, as a vendor gets it: the wheel built from this checkout, installed
into a fresh virtual environment outside the repository, run from directories that know
nothing of the repository.

One venv for the whole module (pip's cache makes the install a matter of seconds once the
project's own `make install` has run). It proves the package data (specs, the catalogue, the
compliance schema, pytest settings, report templates) travel in the wheel, that the command
writes ./reports/ where it is run, and that a separate option value that is an existing path
(`--baseline PATH`) is read as the option's value.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.report.schema import problems
from conformance.requirements import catalogue_version

ROOT = Path(__file__).resolve().parents[1]
KEY, OTHER_KEY = "sk-wheel-0123456789abcdef", "sk-wheel-other-0123456789abcdef"


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def source_tree(into: Path) -> Path:
    """The checkout's files (tracked and new, not ignored), links kept: building there leaves
    no build/ or egg-info behind in the repository, and nothing stale gets into the wheel."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source, target = ROOT / name, into / name
        if not source.is_symlink() and not source.exists():
            continue  # deleted in the work tree, not yet in git
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return into


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new venv with the wheel of this checkout installed; its bin directory."""
    base = tmp_path_factory.mktemp("wheel")
    src = source_tree(base / "src")
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", "dist", str(src)], base
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (base / "dist").glob("ucc_conformance-*.whl")
    made = run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], base)
    assert made.returncode == 0, made.stderr
    python = base / "venv" / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    installed = run([*pip, "--disable-pip-version-check", str(wheel)], base)
    assert installed.returncode == 0, installed.stderr[-3000:]
    yield python.parent


def test_command_passes_against_the_embedded_server_then_a_started_reference_server(
    venv: Path, tmp_path: Path
) -> None:
    """The first run writes ./reports/ of its own directory; the second, from elsewhere, takes
    the first's compliance.json as `--baseline PATH` (a separate value, outside its directory)
    against a reference server started on its own port by `python -m conformance.reference`."""
    first_dir, second_dir = tmp_path / "embedded", tmp_path / "vendor"
    first_dir.mkdir()
    second_dir.mkdir()

    first = run([str(venv / "ucc-conformance")], first_dir)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    baseline = first_dir / "reports" / "compliance.json"
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    assert problems(doc) == []
    assert doc["target"]["embedded"] is True
    assert {r["verdict"] for r in doc["requirements"]} <= {"PASS", "INFO"}
    assert (first_dir / "reports" / "report.html").exists()
    for part, path in (
        ("openapi", "update-chat-completion.openapi.yaml"),
        ("requirements", "requirements.yaml"),
    ):
        packaged = doc["spec"][part]["sha256"]
        assert packaged == hashlib.sha256((ROOT / "specs" / path).read_bytes()).hexdigest()

    command = [str(venv / "python"), "-m", "conformance.reference", "--port=0"]
    with subprocess.Popen(
        [*command, f"--api-key={KEY}", f"--api-key={OTHER_KEY}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    ) as server:
        try:
            assert server.stdout is not None
            banner = server.stdout.readline()  # "reference server on http://127.0.0.1:PORT/v1"
            base_url = banner.split()[-1]
            assert base_url.startswith("http://127.0.0.1:"), banner
            options = [
                f"--base-url={base_url}",
                f"--api-key={KEY}",
                f"--second-api-key={OTHER_KEY}",
            ]
            options += ["--model=wheel-model", "--no-fuzz", "--baseline", str(baseline)]
            second = run([str(venv / "ucc-conformance"), *options], second_dir)
        finally:
            server.terminate()
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    doc = json.loads((second_dir / "reports" / "compliance.json").read_text(encoding="utf-8"))
    assert doc["target"]["base_url"] == base_url and doc["target"]["embedded"] is False
    assert doc["target"]["auth_header"] == "authorization" and doc["target"]["headers"] == {}
    assert doc["baseline"]["same_target"] is False
    assert doc["baseline"]["gate"]["fails"] is False
    assert KEY not in second.stdout + (second_dir / "reports" / "report.html").read_text("utf-8")


def test_installed_command_says_its_versions_and_ships_its_license(
    venv: Path, tmp_path: Path
) -> None:
    """What a vendor's CI and legal review ask of a tool they install: the suite's and the
    catalogue's versions (the digest is the packaged catalogue's), and the license, declared
    and shipped."""
    shown = run([str(venv / "ucc-conformance"), "--version"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    digest = hashlib.sha256((ROOT / "specs" / "requirements.yaml").read_bytes()).hexdigest()
    name, catalogue = shown.stdout.splitlines()
    assert name.startswith("ucc-conformance 0.")
    assert catalogue.startswith(
        f"requirement catalogue: version {catalogue_version()}, sha256 {digest} ("
    )
    probe = (
        "from importlib.metadata import distribution as d; m = d('ucc-conformance'); "
        "print(m.metadata['License-Expression']); "
        "print(any(str(f).endswith('licenses/LICENSE') for f in m.files))"
    )
    meta = run([str(venv / "python"), "-c", probe], tmp_path)
    assert meta.stdout.split() == ["Apache-2.0", "True"], meta.stderr
