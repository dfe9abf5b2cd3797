"""Errors raised for user input: each says what was expected, what was found and how to fix it."""

from __future__ import annotations


class StanceError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(StanceError, ValueError):
    """An item, row or request field is malformed (bad span, missing target, text too long ...)."""


class DataError(StanceError):
    """A dataset is missing, corrupted (checksum mismatch) or has malformed rows."""


class ConfigError(StanceError):
    """A training config file or override is invalid."""


class ModelNotFoundError(StanceError):
    """No model at the given tag or path, or the model files are incomplete or malformed."""
