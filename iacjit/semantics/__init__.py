"""The analysis every rule builds on: internet sources, NSG rule evaluation in priority order,
per-VM exposure through every layer (port and protocol values live in iacjit.model)."""
