"""QR codes and the printable poster: what brings residents to the pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from ..documents import qr
from . import current_office as office

bp = Blueprint("printed", __name__)
DAY = 24 * 3600


def site_targets() -> dict[str, qr.QrTarget]:
    """QR targets from PONDOK_PUBLIC_URL, or from the address this request came to."""
    return qr.targets(office().links.at(request.host_url), office().state.meta.services(), office().settings.village)


@bp.get("/qr/<name>.<ext>")
def code(name: str, ext: str) -> Response:
    """A QR code: a service's code (its form), `beranda`, `cek`, `wa`, `pengaduan` or `survei`, as .svg or .png."""
    target = site_targets().get(name.casefold())
    if target is None or ext not in ("svg", "png"):
        abort(404, description="Kode QR itu tidak ada.")
    if ext == "svg":
        response = Response(qr.svg(target.url), mimetype="image/svg+xml")
    else:
        response = Response(qr.png(target.url), mimetype="image/png")
    response.headers["Cache-Control"] = f"public, max-age={DAY}"
    response.add_etag()  # by content: a phone asking again after a day gets a 304, not the image
    return response.make_conditional(request)


@bp.get("/poster")
def poster() -> str:
    """The A4 poster as a print-ready page (Print → Save as PDF works too)."""
    targets = site_targets()
    services = office().state.meta.services()
    codes = {name: Markup(qr.svg(t.url)) for name, t in targets.items()}
    return render_template("poster.html", services=services, targets=targets, codes=codes)
