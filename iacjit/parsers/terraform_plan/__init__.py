"""Terraform plan JSON (``terraform show -json``): planned values, configuration references
and the unknown and sensitive marks."""
