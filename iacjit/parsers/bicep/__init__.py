"""Bicep: pycep's grammar to our syntax tree, an evaluator over it, modules and their calls."""
