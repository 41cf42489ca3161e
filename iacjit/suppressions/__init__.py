"""Suppressions with reasons and expiry, baselines and fingerprints (docs/suppressions.md)."""

from iacjit.suppressions.engine import Engine, Policy, apply_trusted_sources
from iacjit.suppressions.model import Note, Suppression

__all__ = ["Engine", "Note", "Policy", "Suppression", "apply_trusted_sources"]
