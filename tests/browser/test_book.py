"""Open every page of the built book in headless Chromium, offline.

The book is served on 127.0.0.1; every request to another host is blocked and
recorded. Each page must show no JavaScript error, load every image, typeset its
maths with MathJax, link only to pages and anchors that exist, and render the
controls of any widget it embeds. A screenshot of each page goes to
``_build/screenshots/``.

Run after ``make book`` (``make test`` does both).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import socketserver
import threading
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


def built_pages() -> list[str]:
    """Every HTML page of the book, relative to _build/html (Sphinx's own pages too)."""
    if not (HTML / "index.html").is_file():
        return []
    skip = ("_static", "_sources", "_images", "_downloads")
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not p.relative_to(HTML).parts[0].startswith(skip)
    )


PAGES = built_pages()


def test_the_book_is_built():
    """Without a build there is nothing to open: fail loudly rather than test nothing."""
    assert PAGES, f"no book at {HTML}: run `make book` first"
    assert "book/01-why-convolutions.html" in PAGES


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make browser-deps` installs it")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture()
def opened(browser_context, server, request):
    """Open one page with the network outside 127.0.0.1 blocked; collect what went wrong."""
    page_path = request.param
    blocked: list[str] = []
    errors: list[str] = []
    failed: list[str] = []

    def route(route):
        host = urllib.parse.urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = browser_context.new_page()
    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))
    page.goto(server + page_path, wait_until="load")
    page.wait_for_load_state("networkidle")
    yield page_path, page, {"blocked": blocked, "errors": errors, "failed": failed}
    page.close()


def _typeset_maths(page) -> dict:
    """Wait for MathJax to finish; count maths elements and those left untypeset."""
    return page.evaluate(
        """async () => {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
                await MathJax.startup.promise;
            }
            const maths = Array.from(document.querySelectorAll('.math'));
            const raw = maths.filter(el => !el.querySelector('mjx-container'))
                             .map(el => el.textContent.slice(0, 80));
            const text = document.querySelector('main') ? document.querySelector('main').innerText : '';
            return {n: maths.length, raw: raw, rawDelimiters: /\\\\[\\(\\[]/.test(text)};
        }"""
    )


@pytest.mark.parametrize("opened", PAGES, indirect=True)
def test_page(opened):
    page_path, page, seen = opened
    html = (HTML / page_path).read_text(encoding="utf-8")

    # maths typeset by the MathJax the book serves itself
    maths = _typeset_maths(page)
    assert not maths["raw"], f"untypeset maths on {page_path}: {maths['raw']}"
    assert not maths["rawDelimiters"], f"raw \\( or \\[ left in the text of {page_path}"
    if 'class="math' in html:
        assert maths["n"] > 0
        assert page.locator("mjx-container").count() > 0, f"MathJax did not run on {page_path}"

    # every image loaded (force lazy images to load first)
    broken = page.evaluate(
        """async () => {
            const imgs = Array.from(document.images);
            imgs.forEach(img => { img.loading = 'eager'; });
            await Promise.all(imgs.map(img => img.complete ? null :
                new Promise(r => { img.onload = img.onerror = r; })));
            return imgs.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src);
        }"""
    )
    assert not broken, f"images that did not load on {page_path}: {broken}"

    # widgets: the embedded state renders real controls
    if "application/vnd.jupyter.widget-view+json" in html:
        page.wait_for_selector(".jupyter-widgets", timeout=15_000)
        controls = page.locator(".jupyter-widgets input, .jupyter-widgets .slider, .widget-slider")
        assert controls.count() > 0, f"widget controls missing on {page_path}"

    # every internal link resolves to a page and, where it names one, an anchor
    base = page.url.rsplit("/", 1)[0] + "/"
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    origin = base.split("/", 3)[:3]
    dangling = []
    for href in set(hrefs):
        if href.split("/", 3)[:3] != origin:
            continue  # external link: not followed (the network is blocked)
        url, _, fragment = href.partition("#")
        rel = urllib.parse.unquote(urllib.parse.urlparse(url).path).lstrip("/")
        target = HTML / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            dangling.append(href)
        elif fragment and target.suffix == ".html":
            ids = set(re.findall(r'id="([^"]+)"', target.read_text(encoding="utf-8")))
            if urllib.parse.unquote(fragment) not in ids:
                dangling.append(href)
    assert not dangling, f"links on {page_path} that resolve to nothing: {sorted(dangling)}"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (page_path.replace("/", "__") + ".png")), full_page=True)

    assert not seen["errors"], f"JavaScript errors on {page_path}: {seen['errors']}"
    assert not seen["blocked"], f"{page_path} tried to reach the network: {seen['blocked']}"
    local_failures = [f for f in seen["failed"] if f.startswith("http://127.0.0.1")]
    assert not local_failures, f"requests that failed on {page_path}: {local_failures}"


def test_screenshots_saved():
    """Runs after the page tests (file order): one screenshot per page."""
    shots = {p.name for p in SCREENSHOTS.glob("*.png")}
    missing = [p for p in PAGES if p.replace("/", "__") + ".png" not in shots]
    assert not missing, f"pages without a screenshot: {missing}"
