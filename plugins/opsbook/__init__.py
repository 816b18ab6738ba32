"""opsbook: an on-call handbook as code."""

__version__ = "0.1.0"
