"""PDFs with WeasyPrint: `render(template_name, context) -> bytes`, safely.

Safety: WeasyPrint's default fetcher would embed local files and reach internal addresses. Ours
(`SafeFetcher`) allows `data:` URIs and the project's own static files only; everything else is
refused. Templates are ours and autoescaped, so user text cannot add elements. Each render runs
in a forked child process with a time limit and an address-space limit, so a hostile or huge
document cannot hang or exhaust the web worker.
"""

from __future__ import annotations

import multiprocessing
import resource
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

TIME_LIMIT_SECONDS = 30
MEMORY_LIMIT_BYTES = 2 * 1024**3
STYLESHEET = "reports/pdf.css"


class RenderError(Exception):
    """The PDF could not be made (too slow, too big, or broken)."""


class SafeFetcher(URLFetcher):
    """Fetch `data:` URIs and files under the project's static folders; refuse everything else."""

    def __init__(self) -> None:
        # A refused resource is skipped (and logged); it must not abort the whole document.
        super().__init__(timeout=5, allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)

    @staticmethod
    def allowed_roots() -> list[Path]:
        roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
        if settings.STATIC_ROOT:
            roots.append(Path(settings.STATIC_ROOT).resolve())
        return roots

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = urlparse(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.allowed_roots()) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"Refused to fetch {url!r}: PDFs may use only the project's own static files.")


def _stylesheet() -> CSS:
    path = finders.find(STYLESHEET)
    if not path:
        raise RenderError(f"Missing stylesheet {STYLESHEET}")
    return CSS(filename=path, url_fetcher=SafeFetcher())


def html_to_pdf(html: str) -> bytes:
    """Render finished HTML in this process (the engine's floor; used by the child and benchmarks)."""
    static_base = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    document = HTML(string=html, base_url=static_base, url_fetcher=SafeFetcher())
    return document.write_pdf(stylesheets=[_stylesheet()], pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def _child(html: str, conn: Any) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
        conn.send(("ok", html_to_pdf(html)))
    except BaseException as error:  # noqa: BLE001 - everything must reach the parent as a message
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def html_to_pdf_limited(html: str) -> bytes:
    """Render in a forked child with time and memory limits."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(html, child), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(TIME_LIMIT_SECONDS):
            raise RenderError(f"The PDF took longer than {TIME_LIMIT_SECONDS} seconds and was stopped.")
        status, payload = parent.recv()
    except EOFError:
        raise RenderError("The PDF renderer stopped unexpectedly (probably out of memory).") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(1)
        parent.close()
    if status != "ok":
        raise RenderError(payload)
    return payload


def render(template_name: str, context: dict[str, Any]) -> bytes:
    """Render one of our templates to a tagged PDF (PDF/UA-1), within limits."""
    return html_to_pdf_limited(render_to_string(template_name, context))


def cached(key: str, template_name: str, context: dict[str, Any]) -> bytes:
    """Render once per key (a snapshot's fingerprint): the same snapshot always gives the same file."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    path = f"reports/cache/{key}.pdf"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as existing:
            return existing.read()
    data = render(template_name, context)
    default_storage.save(path, ContentFile(data))
    return data
