"""npm tools for the report tests, installed once into .ci-venvs/node and reused: mermaid +
jsdom to parse Mermaid, playwright-core to drive the system's Chromium (Debian ``chromium``;
Playwright never downloads a browser here), the SARIF Multitool. Their exact versions are
tests/js/package-lock.json (``make lock`` refreshes it); ``npm ci`` installs exactly those."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import REPO

NODE_PREFIX = REPO / ".ci-venvs" / "node"
SCRIPTS = REPO / "tests" / "js"
LOCK = SCRIPTS / "package-lock.json"
ARTIFACTS = REPO / "tests" / "artifacts"


def _installed_as_locked(prefix: Path) -> bool:
    """Every package the lock names at top level is installed in the locked version."""
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    for name in packages[""]["dependencies"]:
        manifest = prefix / "node_modules" / name / "package.json"
        if not manifest.is_file():
            return False
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if installed != packages[f"node_modules/{name}"]["version"]:
            return False
    return True


def node_prefix() -> Path:
    """The npm prefix with the locked tools installed (``npm ci`` when anything differs)."""
    npm = shutil.which("npm")
    if not shutil.which("node") or not npm:
        pytest.fail("node and npm are needed for the report tests (apt-get install nodejs npm)")
    if not _installed_as_locked(NODE_PREFIX):
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(SCRIPTS / name, NODE_PREFIX / name)
        subprocess.run([npm, "ci", "--prefix", os.fspath(NODE_PREFIX), "--no-audit",
                        "--no-fund", "--loglevel=error"],
                       check=True, capture_output=True, timeout=900)
    for script in SCRIPTS.glob("*.mjs"):  # ES modules resolve packages from where they lie
        shutil.copyfile(script, NODE_PREFIX / f"iacjit-{script.name}")
    return NODE_PREFIX


def run_script(prefix: Path, name: str, *args: str, stdin: str = "",
               timeout: int = 180) -> object:
    proc = subprocess.run(["node", os.fspath(prefix / f"iacjit-{name}"), *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout, cwd=prefix)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is needed for the HTML report tests (apt-get install chromium)")
    return path
