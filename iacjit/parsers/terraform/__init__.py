"""Terraform HCL: python-hcl2's parse tree, our own evaluator, one plan per scanned roots."""

from iacjit.parsers.terraform.roots import parse_roots

__all__ = ["parse_roots"]
