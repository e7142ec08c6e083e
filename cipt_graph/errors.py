"""Errors the package raises for bad input: each says where and what."""

from __future__ import annotations


class CiptError(Exception):
    """Base class of the errors a user can act on (exit status 2 on the command line)."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self):  # picklable with its parts: errors come back from query processes
        return (_rebuild, (type(self), self.message, self.where, self.__dict__))


def _rebuild(cls, message, where, state):
    error = cls.__new__(cls)
    CiptError.__init__(error, message, where=where)
    error.__dict__.update(state)
    return error


class InputError(CiptError):
    """A data file (Turtle, CSV, spreadsheet, XML) is malformed or refers to unknown things."""


class QueryError(CiptError):
    """An unknown named query, a bad parameter, or a SPARQL syntax error."""


class StoreError(CiptError):
    """The store cannot be opened, read or written."""
