"""Output paths inside a hostile checkout: never written through a committed symlink (issue 16).

A pull request can commit ``iacjit.sarif`` (the name the CI examples write) as a link to a file
of the CI machine; the report must then be refused, not written into the link's target.
"""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
from helpers import OPEN_NSG, write_tree

from iacjit.output_files import OutputError, write_output


@pytest.fixture
def victim(tmp_path):
    """A file outside the checkout that a committed link points at."""
    target = tmp_path / "outside" / "victim.txt"
    target.parent.mkdir()
    target.write_text("precious\n")
    return target


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    root.mkdir()
    write_tree(root, {"main.tf": OPEN_NSG})
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("command", [
    ["scan", ".", "--format", "sarif", "-o", "iacjit.sarif"],
    ["scan", ".", "--format", "json", "--output", "iacjit.sarif"],
    ["hook", "main.tf", "-o", "iacjit.sarif"],
    ["scan", ".", "--create-baseline", "iacjit.sarif"],
])
def test_cli_refuses_an_output_file_that_is_a_symlink(iacjit_bin, checkout, victim, command):
    (checkout / "iacjit.sarif").symlink_to(victim)
    proc = subprocess.run([iacjit_bin, *command], cwd=checkout, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert victim.read_text() == "precious\n"
    assert "Traceback" not in proc.stderr
    assert "symbolic link" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_cli_refuses_an_output_directory_that_is_a_symlink(iacjit_bin, checkout, victim):
    (checkout / "reports").symlink_to(victim.parent, target_is_directory=True)
    proc = subprocess.run([iacjit_bin, "scan", ".", "-o", "reports/victim.txt"], cwd=checkout,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "reports is a symbolic link" in proc.stderr
    assert victim.read_text() == "precious\n"


def test_replaces_an_existing_file_instead_of_writing_into_it(checkout, victim):
    """A hard link to a file outside keeps the outside file intact: the entry is replaced."""
    os.link(victim, checkout / "report.txt")
    write_output("report.txt", "new\n")
    assert (checkout / "report.txt").read_text() == "new\n"
    assert victim.read_text() == "precious\n"


def test_new_file_gets_the_umask_mode_and_no_temporary_is_left(checkout):
    old = os.umask(0o022)
    try:
        (checkout / "sub").mkdir()
        write_output("sub/out.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((checkout / "sub" / "out.json").stat().st_mode) == 0o644
    assert [p.name for p in (checkout / "sub").iterdir()] == ["out.json"]


def test_unwritable_place_is_one_sentence(checkout):
    with pytest.raises(OutputError, match="cannot write missing/out.json"):
        write_output("missing/out.json", "{}")
    assert [p.name for p in checkout.iterdir()] == ["main.tf"]


def test_links_above_the_working_directory_are_the_machines_and_allowed(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    monkeypatch.chdir(real)
    write_output(tmp_path / "alias" / "out.txt", "x")
    assert (real / "out.txt").read_text() == "x"
