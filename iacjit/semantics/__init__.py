"""Exact network semantics shared by every rule: addresses, ports, protocols."""
