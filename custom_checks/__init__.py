"""iacjit's rules as Checkov custom checks (``checkov --external-checks-dir custom_checks``).

Checkov executes every ``.py`` file of this folder, so it holds check code only: no fixtures,
tests, JSON or YAML (checkov would read those as policies). See docs/checkov.md.
"""
