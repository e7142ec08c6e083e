"""The accreditation audit report: check queries and SHACL shapes → HTML, Markdown or JSON."""

from .report import AuditReport, build_audit_report

__all__ = ["AuditReport", "build_audit_report"]
