"""Typed errors.  Every message names the offending file, agent, object or field.

The CLI turns :class:`ExactAssignError` into one line on stderr and exit code 2 (bad input) or 3
(:class:`LimitExceeded`); nothing else reaches the user as a traceback.
"""
from __future__ import annotations


class ExactAssignError(Exception):
    """Base class of all errors raised on purpose by exactassign."""

    exit_code = 2


class InputError(ExactAssignError, ValueError):
    """Malformed or inconsistent input (economy, allocation, parameters, files)."""


class NumberError(InputError):
    """A value that is not an exact number in the accepted syntax."""


class EconomyError(InputError):
    """An economy that violates the model of formats.md."""


class AllocationError(InputError):
    """An allocation that does not fit its economy."""


class FormatError(InputError):
    """A file that is not in the format it claims (JSON, PrefLib)."""


class ParameterError(InputError):
    """A mechanism parameter that is unknown or malformed."""


class DomainError(InputError):
    """A valid economy outside the domain a mechanism supports (e.g. ties for ``ps``)."""


class IrrationalError(DomainError):
    """An operation that needs rational numbers met an irrational (algebraic) one, e.g. a
    property of an allocation whose amounts are irrational (exit code 2)."""


class LimitExceeded(ExactAssignError):
    """An instance too large for an exact algorithm's stated limit (exit code 3)."""

    exit_code = 3
