"""Contain an internal error to the resource (or step) it happened in.

A bug met on one odd resource must not cost the user the whole report: the error becomes an
``errors`` entry naming the resource (so the run exits 2 and says where), and every other
resource is still analysed.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from iacjit.model.raw import InputError, RawResource


def describe(exc: BaseException) -> str:
    """The exception and the innermost iacjit frame, enough for a bug report."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "iacjit" in f.filename]
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {last.filename.rsplit('iacjit', 1)[-1].lstrip('/')}:{last.lineno}"
    return f"{type(exc).__name__}: {exc}{where}"


def _resource_in(exc: BaseException) -> RawResource | None:
    """The resource the failing code was looking at: the innermost frame's local that is
    one, or that holds one (a group, a VM, an alert)."""
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, RawResource):
                return value
            held = getattr(value, "resource", None)
            if isinstance(held, RawResource):
                return held
    return None


def internal_error(resource: RawResource | None, step: str, exc: BaseException) -> InputError:
    resource = resource or _resource_in(exc)
    if resource is None:
        return InputError("", f"internal error in {step} ({describe(exc)}); "
                              "everything else was analysed; please report this")
    return InputError(
        resource.file,
        f"internal error while analysing {resource.address} ({resource.type}) in {step} "
        f"({describe(exc)}); everything else was analysed; please report this",
        resource.span.line,
    )


@contextmanager
def guarded(errors: list[InputError], resource: RawResource | None, step: str) -> Iterator[None]:
    """Run the body; an exception in it is recorded in *errors* instead of propagating."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the point: one resource, never the report
        errors.append(internal_error(resource, step, exc))
