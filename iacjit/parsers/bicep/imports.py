"""What a Bicep file imports from other Bicep files: ``import {a, b as c} from './x.bicep'``
and ``import * as ns from './x.bicep'``.

Types need nothing at evaluation time; exported variables and functions do (AVM modules import
helper functions such as resource-id parsers).  An imported variable is evaluated in a run of
its own file (the values it uses are that file's), an imported function in that file's
evaluator.  Files from a registry (``br:``, ``br/``, ``ts:``) are not fetched: what they give
is Unknown with that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.bicep import ast as A

# source -> a run of the imported file (an object with .tpl, .ev and .resolve) or an Unknown
OpenRun = Callable[[A.ImportDecl], Any]


class Imports:
    """The imported names of one template run, opened on first use."""

    def __init__(self, decls: list[A.ImportDecl], open_run: OpenRun) -> None:
        self._open = open_run
        self._runs: dict[str, Any] = {}
        self._named: dict[str, tuple[A.ImportDecl, str]] = {}
        self._namespaces: dict[str, A.ImportDecl] = {}
        for decl in decls:
            if decl.namespace:
                self._namespaces[decl.namespace] = decl
            for exported, local in decl.names:
                self._named[local] = (decl, exported)

    def has(self, name: str) -> bool:
        return name in self._named or name in self._namespaces

    def _run(self, decl: A.ImportDecl) -> Any:
        if decl.source not in self._runs:
            self._runs[decl.source] = self._open(decl)
        return self._runs[decl.source]

    def value(self, name: str) -> Any:
        """An imported variable, or a namespace as an object of its file's variables."""
        if name in self._namespaces:
            run = self._run(self._namespaces[name])
            if isinstance(run, Unknown):
                return run
            return {var: run.resolve(var) for var in run.tpl.variables}
        decl, exported = self._named[name]
        run = self._run(decl)
        if isinstance(run, Unknown):
            return run
        if exported in run.tpl.variables:
            return run.resolve(exported)
        return Unknown(f"{exported!r} is not a variable of {decl.source}")

    def function(self, namespace: str, name: str) -> tuple[A.FuncDecl, Any] | Unknown | None:
        """The declaration of an imported function and the evaluator of its file."""
        if namespace:
            decl = self._namespaces.get(namespace)
            exported = name
        else:
            found = self._named.get(name)
            decl, exported = found if found else (None, name)
        if decl is None:
            return None
        run = self._run(decl)
        if isinstance(run, Unknown):
            return run
        function = run.tpl.functions.get(exported)
        if function is None:
            return Unknown(f"{exported}() is not a function of {decl.source}")
        return function, run.ev
