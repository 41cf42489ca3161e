"""npm tools for the report tests, installed once into .ci-venvs/node (shared with the SARIF
Multitool) and reused: mermaid + jsdom to parse Mermaid, playwright-core to drive the system's
Chromium (Debian ``chromium``; Playwright never downloads a browser here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

NODE_PREFIX = REPO / ".ci-venvs" / "node"
PACKAGES = {"mermaid": "mermaid@11", "jsdom": "jsdom@29", "playwright-core": "playwright-core@1"}
SCRIPTS = REPO / "tests" / "js"
ARTIFACTS = REPO / "tests" / "artifacts"


def node_prefix(*names: str) -> Path:
    """The npm prefix with *names* installed (only the missing ones are fetched)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for the report tests (apt-get install nodejs npm)")
    missing = [PACKAGES[n] for n in names
               if not (NODE_PREFIX / "node_modules" / n / "package.json").is_file()]
    if missing:
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", os.fspath(NODE_PREFIX), "--no-audit",
                        "--no-fund", "--loglevel=error", *missing],
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
