"""Errors the package raises for bad input: each says where and what."""

from __future__ import annotations


class CiptError(Exception):
    """Base class of the errors a user can act on (exit status 2 on the command line).

    ``message`` is the text ``str()`` gives (the API's and the logs'); ``fr`` and ``en`` are the
    same message in French and in English when known, so that the command line (and the site)
    speak the user's language: :meth:`text` picks one, as :class:`~cipt_graph.spreadsheet.reader.CellError`
    does for a workbook's cells. The library writes both texts where it raises; it never imports
    the command line's catalogs (imports point one way).
    """

    def __init__(self, message: str, *, where: str | None = None, fr: str | None = None,
                 en: str | None = None) -> None:
        self.message = message
        self.where = where
        self.fr = fr
        self.en = en
        super().__init__(f"{where}: {message}" if where else message)

    def text(self, lang: str = "fr") -> str:
        """The message in ``lang`` (``fr`` or ``en``), ``message`` when that language's text is unknown."""
        chosen = self.en if lang == "en" else self.fr
        return chosen or self.message

    def show(self, lang: str = "fr") -> str:
        """``where: message`` in ``lang``."""
        return f"{self.where}: {self.text(lang)}" if self.where else self.text(lang)

    def __reduce__(self):  # picklable with its parts: errors come back from query processes
        return (_rebuild, (type(self), self.message, self.where, self.__dict__))


def _rebuild(cls, message, where, state):
    error = cls.__new__(cls)
    CiptError.__init__(error, message, where=where, fr=state.get("fr"), en=state.get("en"))
    error.__dict__.update(state)
    return error


class InputError(CiptError):
    """A data file (Turtle, CSV, spreadsheet, XML) is malformed or refers to unknown things."""


class QueryError(CiptError):
    """An unknown named query, a bad parameter, or a SPARQL syntax error."""


class StoreError(CiptError):
    """The store cannot be opened, read or written."""


#: What an OS error number means, in French and English (``strerror`` is the C library's English).
_ERRNO = {
    "ENOENT": ("fichier ou dossier introuvable", "no such file or folder"),
    "EACCES": ("permission refusée", "permission denied"),
    "EPERM": ("opération non permise", "operation not permitted"),
    "EISDIR": ("c'est un dossier", "is a folder"),
    "ENOTDIR": ("un élément du chemin n'est pas un dossier", "a part of the path is not a folder"),
    "ENOSPC": ("plus de place sur le disque", "no space left on the disk"),
    "EROFS": ("système de fichiers en lecture seule", "read-only file system"),
    "EEXIST": ("existe déjà", "already exists"),
    "ENOTEMPTY": ("dossier non vide", "folder not empty"),
    "ECONNREFUSED": ("connexion refusée", "connection refused"),
    "EADDRINUSE": ("adresse déjà utilisée", "address already in use"),
}


def os_reason(exc: BaseException, lang: str) -> str:
    """The meaning of an :class:`OSError` in ``lang`` (``fr``/``en``): a known errno's own words,
    else the system's ``strerror`` (English), else ``str(exc)``."""
    import errno as _errno

    number = getattr(exc, "errno", None)
    name = _errno.errorcode.get(number) if isinstance(number, int) else None
    if name in _ERRNO:
        return _ERRNO[name][0 if lang == "fr" else 1]
    return getattr(exc, "strerror", None) or str(exc)
