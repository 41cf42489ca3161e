"""iacjit: finds the misconfigurations that turn an open management port into a backdoor."""

__version__ = "0.1.0"
