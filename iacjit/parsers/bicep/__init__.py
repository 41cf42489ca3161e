"""Bicep: our own lexer and parser, an evaluator over the tree, modules, imports and
``.bicepparam`` values."""
