"""Read Terraform roots: files, variable values, local modules, and the roots to evaluate.

A directory that another scanned root calls as a module is evaluated only through that call,
with the caller's inputs: scanning it again as a root with default inputs is a known source of
false positives.

Each root is evaluated on its own (its own :class:`Loader`, sharing only the parsed files), so
its outcome depends on the files it reads alone and a cache can keep it per root
(:class:`iacjit.parsers.terraform.reads.Reads`, iacjit.cache.units).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from iacjit.model.raw import InputError, ParseResult
from iacjit.model.values import Unknown
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.common.text import read_text
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Scope, evaluate_safely
from iacjit.parsers.terraform.expansion import Origin
from iacjit.parsers.terraform.files import parse_tf_file
from iacjit.parsers.terraform.hcl import load_hcl2, parse_expression
from iacjit.parsers.terraform.manifest import MANIFEST, Manifest, read_manifest
from iacjit.parsers.terraform.module import Declarations, ModuleInstance
from iacjit.parsers.terraform.reads import Reads, RootOutcome
from iacjit.resolved import resolve

FileParser = Callable[[Path, str], tuple["ast.Body | None", list[InputError]]]


class UnitStore(Protocol):
    """Where roots' outcomes are kept between scans (iacjit.cache.units)."""

    def get(self, root: Path, files: list[Path]) -> RootOutcome | None: ...

    def put(self, root: Path, files: list[Path], outcome: RootOutcome, reads: Reads) -> None:
        ...


class _Parsed:
    """Each file parsed once per scan, whichever roots read it."""

    def __init__(self, parse_file: FileParser):
        self.parse_file = parse_file
        self._outcomes: dict[Path, tuple[ast.Body | None, list[InputError]]] = {}

    def __call__(self, path: Path, shown: str) -> tuple[ast.Body | None, list[InputError]]:
        key = resolve(path)
        if key not in self._outcomes:
            self._outcomes[key] = self.parse_file(path, shown)
        return self._outcomes[key]


class _NoNames:
    """Resolver for tfvars files, where only literal values are allowed."""

    max_items = 10_000
    max_chars = 1_000_000

    def resolve(self, name: str, scope: Scope) -> Any:
        return Unknown(f"{name} cannot be referenced in a variable file")


class Loader:
    """One root's reads: each file and each module directory once, every read recorded.

    *known*: the ``.tf`` files discovery found for each scanned root (by resolved directory),
    which a module call of such a directory reads instead of globbing.
    """

    def __init__(self, options: ParseOptions, display: Callable[[Path], str],
                 parse_file: FileParser | None = None,
                 known: dict[Path, list[Path]] | None = None):
        self.options = options
        self.display = display
        # (path, shown) -> (Body or None, errors); iacjit.cache.files adds a cache and a pool.
        self.parse_file = parse_file or (lambda p, shown: parse_tf_file(p, shown, options.limits))
        self.known = known or {}
        self.reads = Reads()
        self.errors: list[InputError] = []
        self._reported: set[InputError] = set()
        self.module_instances = 0  # in this root, bounded by the loop limit
        self._bodies: dict[Path, ast.Body | None] = {}
        self._decls: dict[Path, Declarations | None] = {}

    def report(self, error: InputError) -> None:
        """An error once, however many module instances or reads run into it."""
        if error not in self._reported:
            self._reported.add(error)
            self.errors.append(error)

    def manifest(self, root: Path) -> Manifest:
        """The root's downloaded modules (``terraform init``), problems reported."""
        self.reads.file(root / MANIFEST)
        manifest, errors = read_manifest(root, self.options.limits.max_file_bytes,
                                         self.display(root / MANIFEST))
        self.errors.extend(errors)
        return manifest

    def body(self, path: Path) -> ast.Body | None:
        self.reads.file(path)
        key = resolve(path)
        if key not in self._bodies:
            self.reads.parsed.add(key)
            self._bodies[key] = self._parse(path)
        return self._bodies[key]

    def _parse(self, path: Path) -> ast.Body | None:
        body, errors = self.parse_file(path, self.display(path))
        self.errors.extend(errors)
        return body

    def declarations(self, directory: Path, caller: str | None = None,
                     caller_line: int | None = None, depth: int = 0,
                     files: list[Path] | None = None) -> Declarations | None:
        key = resolve(directory)
        if depth > self.options.limits.max_module_depth:
            self.errors.append(InputError(
                caller or self.display(directory),
                f"module nesting deeper than {self.options.limits.max_module_depth} levels "
                f"at {self.display(directory)} (does a module call itself?)", caller_line))
            return None
        if key in self._decls:
            return self._decls[key]
        if files is None:
            files = self.known.get(key)
        if files is not None:
            self.reads.list(directory, files)
        else:
            files = self.reads.glob(directory, "*.tf")
            if not files:
                self.errors.append(InputError(
                    caller or self.display(directory),
                    f"module source {self.display(directory)} has no .tf files", caller_line))
                self._decls[key] = None
                return None
        decls = Declarations(directory=directory)
        for path in sorted(files):
            body = self.body(path)
            if body is not None:
                decls.add(body, self.display(path))
        self._decls[key] = decls
        return decls

    # ----- variable values -----------------------------------------------------------
    def _var_file(self, path: Path) -> dict[str, tuple[Any, int | None]]:
        """Values of one variable file, each with the line it is written on (JSON: none)."""
        shown = self.display(path)
        if path.name.endswith(".json"):
            self.reads.file(path)
            try:
                text, _bom = read_text(path, self.options.limits.max_file_bytes)
                data = json.loads(text)
            except ParseError as exc:
                self.errors.append(exc.at(shown))
                return {}
            except ValueError as exc:
                self.errors.append(InputError(shown, f"invalid variable file: {exc}"))
                return {}
            except RecursionError:  # json's C decoder recurses per bracket
                self.errors.append(InputError(shown, "invalid variable file: nested too deeply"))
                return {}
            return {k: (v, None) for k, v in data.items()} if isinstance(data, dict) else {}
        body = self.body(path)
        if body is None:
            return {}
        scope = Scope(_NoNames())
        return {name: (evaluate_safely(a.expr, scope), a.line)
                for name, a in body.attributes.items()}

    def root_inputs(self, directory: Path) -> tuple[dict[str, Any],
                                                    dict[str, tuple[str, int | None]]]:
        """Variable values for a root, in Terraform's precedence order (later wins), and
        where each was written (for type errors)."""
        values: dict[str, Any] = {}
        sites: dict[str, tuple[str, int | None]] = {}
        auto = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
        for path in auto:
            self.reads.file(path)
        auto += self.reads.glob(directory, "*.auto.tfvars") + self.reads.glob(
            directory, "*.auto.tfvars.json")
        for path in [p for p in auto if p.is_file()] + list(self.options.var_files):
            shown = self.display(path)
            for name, (value, line) in self._var_file(path).items():
                values[name] = value
                sites[name] = (shown, line)
        for name, raw in self.options.variables.items():
            text = str(raw).strip()
            if text[:1] in "[{":
                values[name] = evaluate_safely(parse_expression(text), Scope(_NoNames()))
            else:
                values[name] = raw
            sites[name] = (f"--var {name}", None)
        return values, sites


def _local_calls(root: Path, decls: Declarations | None) -> list[str]:
    """The local module directories the root's own files call, unresolved (``./`` and
    ``../`` sources): resolving them is left to each scan, where a link may have changed."""
    if decls is None:
        return []
    calls = []
    for block, _ in decls.modules.values():
        source = block.body.attributes.get("source")
        if source is not None and isinstance(source.expr, ast.Literal):
            text = str(source.expr.value)
            if text.startswith(("./", "../")):
                calls.append(str(root / text))
    return calls


def _called_roots(outcomes: dict[Path, RootOutcome]) -> set[Path]:
    """Roots that another scanned root calls as a local module."""
    resolved = {resolve(root): root for root in outcomes}
    called: set[Path] = set()
    for root, outcome in outcomes.items():
        for call in outcome.calls:
            target = resolve(call)
            if target in resolved and target != resolve(root):
                called.add(resolved[target])
    return called


def _merged(roots: dict[Path, list[Path]], outcomes: dict[Path, RootOutcome],
            called: set[Path]) -> ParseResult:
    """The results of the roots nobody calls, in order (a stored outcome may hold a result
    from when nobody did), then every root's read errors, each once (two roots reading one
    broken module report it once)."""
    result = ParseResult()
    for root in roots:
        if root not in called and outcomes[root].result is not None:
            result.extend(outcomes[root].result)  # type: ignore[arg-type]
    errors = dict.fromkeys(e for root in roots for e in outcomes[root].errors)
    result.errors.extend(errors)
    return result


def _evaluate(loader: Loader, root: Path, files: list[Path],
              display: Callable[[Path], str]) -> ParseResult:
    """The resources of *root* evaluated as a root, with its variable files."""
    result = ParseResult()
    decls = loader.declarations(root, files=files)
    if decls is not None:
        inputs, sites = loader.root_inputs(root)
        instance = ModuleInstance(loader, decls, Origin(input_sites=sites), inputs, 0,
                                  loader.manifest(root))
        instance.emit(result.resources, result.errors, result.not_scanned,
                      display(root) or ".")
    return result


def parse_roots(roots: dict[Path, list[Path]], options: ParseOptions,
                display: Callable[[Path], str],
                progress: Callable[[Path], None] | None = None,
                parse_file: FileParser | None = None,
                units: UnitStore | None = None) -> ParseResult:
    """Evaluate every Terraform root of the scan into raw resources.

    *units*: outcomes kept from earlier scans; a root whose reads are unchanged is not read
    again, and every root evaluated here is offered to it.
    """
    parsed = _Parsed(parse_file or (lambda p, shown: parse_tf_file(p, shown, options.limits)))
    known = {resolve(root): files for root, files in roots.items()}
    outcomes: dict[Path, RootOutcome] = {}
    loaders: dict[Path, Loader] = {}

    def loader_for(root: Path) -> Loader:
        if root not in loaders:
            loaders[root] = Loader(options, display, parsed, known)
            outcomes[root] = RootOutcome(
                _local_calls(root, loaders[root].declarations(root, files=roots[root])))
        return loaders[root]

    for root, files in roots.items():
        cached = units.get(root, files) if units is not None else None
        if cached is not None:
            outcomes[root] = cached
    unread = [root for root in roots if root not in outcomes]
    if not unread:
        called = _called_roots(outcomes)
        unread = [r for r in roots if r not in called and outcomes[r].result is None]
    if unread:  # only when something is read: cached roots need no parser
        try:
            load_hcl2()
        except ParseError as exc:
            # One sentence for the whole scan, not one per file: the environment is wrong.
            return ParseResult(errors=[InputError(display(next(iter(roots))) or ".",
                                                  exc.message)])
    for root in roots:
        if root not in outcomes:
            loader_for(root)
    called = _called_roots(outcomes)
    for root, files in roots.items():
        if root not in called and outcomes[root].result is None:
            outcomes[root].result = _evaluate(loader_for(root), root, files, display)
        if root in loaders:
            outcomes[root].errors = loaders[root].errors
            if units is not None:
                units.put(root, files, outcomes[root], loaders[root].reads)
        if progress:
            progress(root)
    return _merged(roots, outcomes, called)
