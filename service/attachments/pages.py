"""Pages for evidence files: what a file is (name, type, size, checksum, who uploaded it) and the
file itself, to look at in the browser or to download.

Any signed-in person, as `GET /attachments/{id}` and its content. A file is sent with its own
type (only scans and PDFs are stored, see `service.evidence`), never sniffed, and sandboxed.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.http import PathId
from service.web.pages import Anyone

router = APIRouter(prefix="/web/attachments", include_in_schema=False)


def _metadata(session: Session, _ctx: Context, *, attachment_id: int) -> evidence.Attachment:
    return evidence.get(session, attachment_id)


def _content(session: Session, _ctx: Context, *, attachment_id: int, download: bool) -> Response:
    attachment = evidence.get(session, attachment_id, with_content=True)
    how = "attachment" if download else "inline"
    # Scans are shown in a sandbox; a PDF needs the browser's viewer, which a sandbox blocks.
    sandbox = (
        {}
        if attachment.content_type == "application/pdf"
        else {"Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'"}
    )
    # Header values are Latin-1: the name goes as RFC 5987 UTF-8, with an ASCII stand-in.
    fallback = attachment.filename.encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": (
                f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(attachment.filename)}"
            ),
            "ETag": f'"{attachment.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            **sandbox,
        },
    )


@router.get("/{attachment_id}")
async def attachment(attachment_id: PathId, view: Anyone) -> HTMLResponse:
    found = await view.read(_metadata, attachment_id=attachment_id)
    return view.render("attachments/page.html", attachment=found)


@router.get("/{attachment_id}/content")
async def content(
    attachment_id: PathId,
    view: Anyone,
    download: Annotated[bool, Query()] = False,
) -> Response:
    """The file: shown in the browser, or saved with its name (`?download=true`)."""
    return await view.read(_content, attachment_id=attachment_id, download=download)
