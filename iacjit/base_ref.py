"""``--base-ref``: which findings and chains a pull request adds, by scanning its merge base.

The merge base of HEAD and the base branch is written into a temporary directory from git's
object store (``git ls-tree`` + ``git cat-file``, never a checkout: no hooks, no filters, no
attributes, no network) and scanned with the same settings. Only regular files are written;
symbolic links and submodules of the base tree are left out, so reading the base tree never
leaves the temporary directory. A finding or chain whose fingerprint (repository-relative, as
in baselines) the base has is ``existing``; every other one is ``new``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from iacjit.suppressions.fingerprint import Fingerprinter

# The CI variables that name a pull request's target branch, in the order they are read.
CI_VARIABLES = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
                "SYSTEM_PULLREQUEST_TARGETBRANCH")
_REGULAR_FILES = {b"100644", b"100755"}  # 120000 symlink and 160000 submodule are skipped


class BaseRefError(Exception):
    """The base cannot be compared against; the message is one sentence for the user."""


@dataclass
class Comparison:
    """What the base has: fingerprints of its findings and chains, from the repository root."""

    ref: str
    commit: str
    root: Path
    findings: set[str] = field(default_factory=set)
    chains: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "merge_base": self.commit}


def default_ref(env: Mapping[str, str]) -> str | None:
    """The pull request's target branch from the CI variables, or None outside a PR build."""
    for name in CI_VARIABLES:
        value = (env.get(name) or "").strip()
        if value:
            return value.removeprefix("refs/heads/")
    return None


def _git(root: Path, *args: str) -> str | None:
    """One local git command's stdout, or None when it fails; never prompts, never fetches."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1",
           "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env,
                              check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


def repository(start: Path) -> Path:
    top = _git(start if start.is_dir() else start.parent, "rev-parse", "--show-toplevel")
    if not top:
        raise BaseRefError(f"--base-ref needs a git repository, and {start} is not in one")
    return Path(top).resolve()


def merge_base(root: Path, ref: str) -> str:
    """The merge base of HEAD and *ref* (tried as given, then as ``origin/<ref>``)."""
    for candidate in (ref, f"origin/{ref}", f"refs/remotes/origin/{ref}"):
        commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                      f"{candidate}^{{commit}}")
        if commit:
            base = _git(root, "merge-base", "HEAD", commit)
            if base:
                return base
            raise BaseRefError(
                f"--base-ref {ref}: HEAD and {candidate} have no merge base in this clone "
                "(a shallow clone? fetch more history, docs/pr-comments.md#new-findings-only), "
                "so every finding is reported as new")
    raise BaseRefError(
        f"--base-ref {ref}: no branch or commit {ref!r} (nor origin/{ref}) in this clone "
        "(fetch it, docs/pr-comments.md#new-findings-only), so every finding is reported as new")


def _safe(path: bytes) -> PurePosixPath | None:
    """A tree path that stays inside the temporary directory, or None."""
    try:
        text = path.decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or any(p in ("", ".", "..", ".git") for p in parts):
        return None
    return PurePosixPath(text)


@contextmanager
def materialise(root: Path, commit: str) -> Iterator[Path]:
    """The regular files of *commit* in a temporary directory, removed afterwards."""
    listing = subprocess.run(["git", "-C", str(root), "ls-tree", "-r", "-z", "--full-tree",
                              commit], capture_output=True, check=False)
    if listing.returncode != 0:
        raise BaseRefError(f"cannot list the files of the merge base {commit[:12]}")
    with tempfile.TemporaryDirectory(prefix="iacjit-base-") as name:
        tree = Path(name).resolve()
        blobs = []
        for entry in listing.stdout.split(b"\0"):
            meta, _, path = entry.partition(b"\t")
            fields = meta.split()
            safe = _safe(path) if len(fields) == 3 and fields[0] in _REGULAR_FILES else None
            if safe is not None:
                blobs.append((fields[2], tree.joinpath(*safe.parts)))
        _write_blobs(root, blobs)
        yield tree


def _write_blobs(root: Path, blobs: list[tuple[bytes, Path]]) -> None:
    """One ``git cat-file --batch`` for all blobs: it answers one object per request line."""
    with subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stdout is not None
        for sha, target in blobs:
            process.stdin.write(sha + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                continue  # missing object: the file is absent from the base scan
            data = process.stdout.read(int(header[2]) + 1)[:-1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        process.stdin.close()


def in_base(paths: list[Path], root: Path, tree: Path) -> list[Path]:
    """Each scanned path at the same place in the base tree."""
    mapped = []
    for path in paths:
        absolute = Path(os.path.normpath(Path.cwd() / path))
        try:
            mapped.append(tree / absolute.relative_to(root))
        except ValueError as exc:
            raise BaseRefError(f"--base-ref: {path} is outside the repository {root}") from exc
    return mapped


def _prints(result: Any, cwd: Path, root: Path) -> tuple[list[str], list[str]]:
    """Fingerprints of the result's findings and chains, with files relative to *root*."""
    prints = Fingerprinter(cwd, root)
    findings = [prints.finding(f) for f in result.findings]
    by_id = {id(f): p for f, p in zip(result.findings, findings, strict=True)}
    chains = [prints.chain(c, [by_id.get(id(t)) or prints.finding(t) for t in c.triggers])
              for c in result.chains]
    return findings, chains


def compare(ref: str, paths: list[Path], scan: Callable[[list[Path]], Any]) -> Comparison:
    """Scan the merge base of HEAD and *ref* with *scan*; its fingerprints, as a Comparison."""
    root = repository(Path(paths[0]).resolve() if paths else Path.cwd())
    commit = merge_base(root, ref)
    with materialise(root, commit) as tree:
        result = scan(in_base(paths, root, tree))
        findings, chains = _prints(result, tree, tree)
    return Comparison(ref, commit, root, set(findings), set(chains))


def mark(result: Any, comparison: Comparison | None) -> None:
    """Set ``change`` on each finding and chain; without a comparison (no base found) every
    one is new, so the gate errs towards reporting."""
    findings, chains = ([], [])
    if comparison is not None:
        findings, chains = _prints(result, Path.cwd().resolve(), comparison.root)
    existing_findings = comparison.findings if comparison else set()
    existing_chains = comparison.chains if comparison else set()
    for index, item in enumerate(result.findings):
        known = comparison is not None and findings[index] in existing_findings
        item.change = "existing" if known else "new"
    for index, hit in enumerate(result.chains):
        known = comparison is not None and chains[index] in existing_chains
        hit.change = "existing" if known else "new"
