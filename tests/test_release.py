"""The release artefacts: ``python -m build`` makes an sdist and a wheel that carry the templates,
the chain definitions and the Checkov pack, without packaging warnings; the wheel, installed into
a fresh virtualenv (never the source tree), scans a sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from helpers import REPO

DATA = ("iacjit/reports/templates/report.html.j2", "iacjit/reports/templates/comment.md.j2",
        "iacjit/chains/CHAIN-016.yaml", "iacjit/checkov_pack/iacjit_pack_loader.py",
        "iacjit/checkov_pack/iacjit_pack_templates.py", "iacjit/checkov_pack/iacjit_zt_net_001.py")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> tuple[Path, Path, str]:
    """(sdist, wheel, build log), built from a copy of the source tree."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", os.fspath(out),
                           os.fspath(REPO)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [sdist] = out.glob("iacjit-*.tar.gz")
    [wheel] = out.glob("iacjit-*-py3-none-any.whl")
    return sdist, wheel, proc.stdout + proc.stderr


def test_build_is_free_of_packaging_warnings(dist):
    log = dist[2]
    assert "SetuptoolsDeprecationWarning" not in log
    assert "License classifiers are deprecated" not in log
    assert "`project.license` as a TOML table is deprecated" not in log


def test_sdist_and_wheel_carry_the_data_files(dist):
    sdist, wheel, _ = dist
    with tarfile.open(sdist) as archive:
        sdist_names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = set(archive.namelist())
        [metadata] = [n for n in wheel_names if n.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode("utf-8")
    for name in DATA:
        assert name in sdist_names, name
        assert name in wheel_names, name
    assert "LICENSE" in sdist_names
    assert "License-Expression: MIT" in headers.splitlines()


def test_wheel_installs_into_a_fresh_virtualenv_and_scans(dist, tmp_path):
    _, wheel, _ = dist
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", os.fspath(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([os.fspath(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", os.fspath(wheel)],
                   check=True, timeout=900, cwd=tmp_path)
    work = tmp_path / "work"  # outside the source tree: nothing can come from the checkout
    work.mkdir()
    where = subprocess.run([os.fspath(python), "-c", "import iacjit; print(iacjit.__file__)"],
                           capture_output=True, text=True, cwd=work, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    sample = REPO / "samples" / "terraform" / "azure" / "vulnerable"
    proc = subprocess.run([os.fspath(venv / "bin" / "iacjit"), "scan", os.fspath(sample),
                           "--format", "json", "--no-cache"],
                          capture_output=True, text=True, cwd=work, timeout=300)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [c["chain_id"] for c in report["chains"]] == ["CHAIN-016"]
    html = subprocess.run([os.fspath(venv / "bin" / "iacjit"), "scan", os.fspath(sample),
                           "--format", "html", "--no-cache"],
                          capture_output=True, text=True, cwd=work, timeout=300)
    assert html.returncode == 1 and "<svg" in html.stdout  # the packaged template rendered
    pack = subprocess.run([os.fspath(venv / "bin" / "iacjit"), "checkov-pack"],
                          capture_output=True, text=True, cwd=work, check=True)
    assert Path(pack.stdout.strip()).is_relative_to(venv)


def test_docker_context_builds_the_same_wheel(dist, tmp_path):
    """No Docker daemon runs here: check what the image's build stage does. The context that
    .dockerignore lets through (``*`` then ``!path`` exceptions) builds the same wheel."""
    rules = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"
    context = tmp_path / "context"
    context.mkdir()
    for rule in rules[1:]:
        if not rule.startswith("!"):
            continue
        source = REPO / rule[1:].rstrip("/")
        if source.is_dir():
            shutil.copytree(source, context / source.name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, context / source.name)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", os.fspath(out),
                    os.fspath(context)], check=True, capture_output=True, timeout=900)
    [wheel] = out.glob("iacjit-*.whl")
    with zipfile.ZipFile(wheel) as built, zipfile.ZipFile(dist[1]) as reference:
        assert sorted(built.namelist()) == sorted(reference.namelist())
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    stages = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert all(image.startswith("python:") and image.endswith("-slim") for image in stages)
    assert "\nUSER iacjit\n" in dockerfile and 'ENTRYPOINT ["iacjit"]' in dockerfile
