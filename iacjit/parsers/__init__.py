"""Parsers: one module per input format, each turning files into located raw resources."""
