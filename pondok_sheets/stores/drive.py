"""Has the spreadsheet changed? One Drive v3 files.get through the one choke point (`google_api.py`).

A spreadsheet's id is its Drive file id. Drive's `version` "reflects every change made to the
file on the server", but Google promises only that it increases, not by how much nor how
soon after an edit: so marks are compared for inequality only, and the sync keeps a full
read every PONDOK_FULL_READ_MINUTES as its safety net (docs/research/drive-change-check.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.auth.exceptions import GoogleAuthError

from ..errors import StoreError
from .google_api import GoogleRefused, GoogleSession, explain

FIELDS = "version,modifiedTime"


@dataclass(frozen=True)
class DriveProblem:
    """Why the Drive check cannot be used, as staff read it, and whether set-up must change."""

    text: str
    permanent: bool


def change_mark(google: GoogleSession, file_id: str) -> str:
    """`version|modifiedTime` of the file now; raises StoreError (`permanent` when set-up must change)."""
    try:
        # supportsAllDrives: a register kept on a shared drive is found too (Drive's advice).
        response = google.request("get", f"{google.drive_url()}/files/{file_id}",
                                  params={"fields": FIELDS, "supportsAllDrives": "true"}, what="Drive request")
        body = response.json()
    except GoogleRefused as error:
        problem = explain_drive(error)
        raise StoreError(problem.text, permanent=problem.permanent) from None
    except GoogleAuthError as error:  # no token: the key refused, or Google's token endpoint down
        raise explain(error, google.account) from None
    except (OSError, ValueError) as error:  # time-outs, refused connections, bad JSON
        raise StoreError(f"Google Drive tidak menjawab ({type(error).__name__}).") from None
    return f"{body.get('version', '')}|{body.get('modifiedTime', '')}"


def explain_drive(error: GoogleRefused) -> DriveProblem:
    """Drive's 403/404 told apart by their reasons: API switched off, scope missing, sheet not shared."""
    code = error.code
    reasons = _reasons(error.error)
    if "accessNotConfigured" in reasons or "SERVICE_DISABLED" in reasons:
        return DriveProblem("Google Drive API belum diaktifkan di proyek Google Cloud akun layanan ini. Aktifkan "
                            "'Google Drive API' di Google Cloud Console (APIs & Services), lalu tunggu beberapa "
                            "menit.", permanent=True)
    if "insufficientPermissions" in reasons or "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons:
        return DriveProblem("Token Google tidak memuat izin drive.metadata.readonly.", permanent=True)
    if code == 404:
        return DriveProblem("Google Drive tidak menemukan sheet ini. Bagikan sheet ke akun layanan sebagai Editor.",
                            permanent=True)
    if code in (401, 403) and not reasons & {"userRateLimitExceeded", "rateLimitExceeded"}:
        return DriveProblem(f"Google Drive menolak pemeriksaan perubahan ({code}).", permanent=True)
    return DriveProblem(f"Google Drive sedang bermasalah ({code}).", permanent=False)


def _reasons(body: Any) -> set[str]:
    """Every `reason` in Google's error JSON: the legacy `errors` list and the newer `details`."""
    if not isinstance(body, dict):
        return set()
    found = {str(e.get("reason", "")) for e in body.get("errors", []) if isinstance(e, dict)}
    found |= {str(d.get("reason", "")) for d in body.get("details", []) if isinstance(d, dict)}
    return found - {""}

