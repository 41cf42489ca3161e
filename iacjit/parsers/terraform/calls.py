"""One ``module`` block: find the module's code, evaluate each instance with its arguments.

Local sources (``./``, ``../``) are read where they point.  Registry, git and http sources are
read from where ``terraform init`` installed them (the root's ``.terraform/modules``, see
:mod:`iacjit.parsers.terraform.manifest`); nothing is ever fetched.  Each instance's resources
carry the chain of call sites, so a finding inside a module can be shown where the user wrote
the values that caused it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.model.raw import CallSite, InputError, NotScanned
from iacjit.model.values import Unknown
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Lazy, evaluate_safely
from iacjit.parsers.terraform.expansion import META_ATTRIBUTES, Origin, expand, instance_key
from iacjit.parsers.terraform.providers import provider_name
from iacjit.resolved import resolve

if TYPE_CHECKING:
    from iacjit.parsers.terraform.module import ModuleInstance

# Arguments of a module block that are Terraform's, not the module's variables.
CALL_ARGUMENTS = {"source", "version", "providers"}


def _is_local(source: str) -> bool:
    return source.startswith(("./", "../"))


def _inside(directory: Path, root: Path) -> bool:
    try:
        resolve(directory).relative_to(resolve(root))
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _module_directory(instance: ModuleInstance, name: str, source: str, key: str,
                      block: ast.Block, file: str) -> Path | None:
    """Where the code of call *name* lives; None (reported) when it cannot be read."""
    _, errors, not_scanned, _ = instance.sink  # type: ignore[misc]
    if _is_local(source):
        return instance.decls.directory / source
    directory = instance.manifest.directory(key)
    if directory is None:
        not_scanned.append(NotScanned(file, block.line, f"module.{name} ({source})",
                                      instance.manifest.missing_reason(key)))
        return None
    if not _inside(directory, instance.manifest.root):
        errors.append(InputError(file, f"module {name!r}: the manifest installs it outside "
                                 f"the root ({directory.as_posix()}); not read", block.line))
        return None
    return directory


def call_module(instance: ModuleInstance, name: str) -> Any:
    """Evaluate one module call of *instance*: emit its resources, return its outputs."""
    block, file = instance.decls.modules[name]
    if instance.sink is None:
        return Unknown(f"module {name!r} is not evaluated yet")
    resources, errors, not_scanned, root = instance.sink
    attributes = block.body.attributes
    source = evaluate_safely(attributes["source"].expr, instance.scope) \
        if "source" in attributes else None
    if not isinstance(source, str):
        errors.append(InputError(file, f"module {name!r}: source is missing or unknown",
                                 block.line))
        return Unknown(f"module {name!r} has no usable source")
    key = f"{instance.origin.key}.{name}" if instance.origin.key else name
    directory = _module_directory(instance, name, source, key, block, file)
    if directory is None:
        return Unknown(f"module {name!r} ({source}) is not available to read")
    if resolve(directory) in instance.ancestors:
        # Without this, a module that calls itself twice nests 2**max_module_depth times.
        errors.append(InputError(file, f"module {name!r}: source {source!r} is this module "
                                 "or one of its callers (a module cycle); not evaluated",
                                 block.line))
        return Unknown(f"module {name!r} is part of a module cycle")
    decls = instance.loader.declarations(directory, file, block.line, instance.depth + 1)
    if decls is None:
        return Unknown(f"module {name!r} could not be read")
    arguments = {arg: a for arg, a in attributes.items()
                 if arg not in META_ATTRIBUTES and arg not in CALL_ARGUMENTS}
    _check_arguments(instance, name, block, file, decls.variables, arguments)
    instances, problem = expand(block, instance.scope, instance.max_items)
    if problem:
        errors.append(InputError(file, f"module.{name}: {problem}", block.line))
    passed = _passed_providers(instance, block)
    outputs: dict[str, Any] = {}
    for suffix, bindings in instances:
        instance.loader.module_instances += 1
        if instance.loader.module_instances > instance.max_items:
            errors.append(InputError(file, f"module.{name}: more than {instance.max_items} "
                                     "module instances in this root (the loop limit); the "
                                     "rest are not evaluated", block.line))
            break
        scope = instance.scope.child(**bindings)
        inputs = {arg: evaluate_safely(a.expr, scope) for arg, a in arguments.items()}
        site = CallSite(f"module.{name}{suffix}", file, block.line, block.end_line)
        origin = Origin(prefix=f"{instance.prefix}module.{name}{suffix}.", key=key,
                        via=(*instance.origin.via, site),
                        input_sites={arg: (file, a.line) for arg, a in arguments.items()},
                        ancestors=instance.ancestors, providers=passed)
        child = instance.child(decls, origin, inputs)
        child.emit(resources, errors, not_scanned, root)
        outputs[suffix] = Lazy(f"module.{name}{suffix}", child.output)
    if "count" in attributes and "" not in outputs:
        return list(outputs.values())
    if "for_each" in attributes and "" not in outputs:
        return {instance_key(s): o for s, o in outputs.items()}
    return outputs.get("") or Unknown(f"module {name!r} has no instances")


def _passed_providers(instance: ModuleInstance, block: ast.Block) -> dict[str, Any]:
    """The provider configurations a call gives its module, as Terraform does: the caller's
    default (unaliased) ones, or only those of a ``providers = { azurerm = azurerm.x }``
    argument when there is one."""
    accounts = instance.provider_accounts()
    argument = block.body.attributes.get("providers")
    if argument is None or not isinstance(argument.expr, ast.ObjectExpr):
        return {name: value for name, value in accounts.items() if "." not in name}
    passed: dict[str, Any] = {}
    for key, value in argument.expr.items:
        inner, outer = provider_name(key), provider_name(value)
        if inner and outer:
            passed[inner] = accounts.get(outer)
    return passed


def _check_arguments(instance: ModuleInstance, name: str, block: ast.Block, file: str,
                     variables: dict[str, ast.Block], arguments: dict[str, ast.Attribute],
                     ) -> None:
    """Arguments the module does not declare, and required variables not given: Terraform
    refuses the plan over either, so they are errors at the call, not silent gaps."""
    for arg, attribute in arguments.items():
        if arg not in variables:
            instance.loader.report(InputError(
                file, f"module.{name}: argument {arg!r} is not a variable of the module "
                "(Terraform would refuse the plan)", attribute.line))
    missing = sorted(v for v, declared in variables.items()
                     if v not in arguments and "default" not in declared.body.attributes)
    if missing:
        instance.loader.report(InputError(
            file, f"module.{name}: required variable(s) {', '.join(map(repr, missing))} not "
            "given (Terraform would refuse the plan); evaluated as unknown", block.line))
