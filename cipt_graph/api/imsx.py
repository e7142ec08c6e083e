"""The CASE 1.0 REST binding's error payload (``imsx_StatusInfo``) for answers under ``/ims/case/``.

Binding followed: 1EdTech CASE Service v1.0 REST/JSON binding — a failed request answers an
``imsx_StatusInfo`` object (``imsx_codeMajor`` ``failure``, ``imsx_severity`` ``error``, an
``imsx_description``, and ``imsx_codeMinor.imsx_codeMinorField[]`` with a name and one of the
binding's minor codes: ``invalid_sort_field``, ``invalid_selection_field``, ``forbidden``,
``unauthorisedrequest``, ``internal_server_error``, ``unknownobject``, ``server_busy``,
``invaliduuid``).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

CASE_PREFIX = "/ims/case/"

_MINOR = {400: "invalid_selection_field", 401: "unauthorisedrequest", 403: "forbidden", 404: "unknownobject",
          405: "forbidden", 413: "invalid_selection_field", 414: "invalid_selection_field",
          429: "server_busy", 503: "server_busy"}


def status_info(description: str, minor: str, field: str = "sourcedId", major: str = "failure") -> dict:
    """An ``imsx_StatusInfo`` payload."""
    return {"imsx_codeMajor": major, "imsx_severity": "error", "imsx_description": description,
            "imsx_codeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": field,
                                                        "imsx_codeMinorFieldValue": minor}]}}


def imsx_response(status: int, description: str, headers: dict[str, str] | None = None,
                  minor: str | None = None, field: str = "sourcedId") -> JSONResponse:
    """An error answer of the CASE binding: ``status`` with its ``imsx_StatusInfo``."""
    minor = minor or _MINOR.get(status, "internal_server_error")
    major = "unsupported" if status == 405 else "failure"
    return JSONResponse(status_info(description, minor, field, major), status_code=status, headers=headers)


class CaseError(Exception):
    """A CASE request that fails: HTTP status, minor code, description, the field at fault."""

    def __init__(self, status: int, minor: str, description: str, field: str = "sourcedId") -> None:
        super().__init__(description)
        self.status, self.minor, self.description, self.field = status, minor, description, field
