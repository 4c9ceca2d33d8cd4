"""Open every page of the built book in headless Chromium, offline.

The book is served on 127.0.0.1; every request to another host is blocked and
recorded. Each page must show no JavaScript error, load every image, typeset its
maths with MathJax, link only to pages and anchors that exist, keep its buttons
pointing at real targets, weigh at most 5 MB, and every explorable figure must
follow each of its controls (the frame changes, its alt text names the value). A screenshot of each page goes to
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
REPOSITORY = "https://github.com/cnnlab/cnnlab"  # _config.yml's repository: the only external buttons
PAGE_BUDGET = 5 * 10**6
SITE_BUDGET = 100 * 10**6
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
    redirect = re.match(r'<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$', html)
    if redirect:  # Jupyter Book's index.html only sends the browser to the root page, tested itself
        assert ((HTML / page_path).parent / redirect.group(1)).is_file(), f"{page_path} redirects to nothing"
        assert page.url.endswith("/" + redirect.group(1)), f"{page_path} did not redirect: {page.url}"
        return

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

    # explorable figures: every control moves the figure, which says what it shows
    explorers = page.locator(".cnnlab-explorer")
    if explorers.count():
        moved = _drive_explorers(page, page_path)
        assert moved, f"no explorer on {page_path} answered its controls"
    assert "application/vnd.jupyter.widget-view+json" not in html, (
        f"{page_path} shows a live widget: it needs a kernel (use cnnlab.explore)")

    # buttons: the download links to this notebook; other buttons to the project's repository
    for href in page.evaluate("() => Array.from(document.querySelectorAll('.header-article a.btn[href], "
                              ".dropdown-menu a.btn[href]')).map(a => a.getAttribute('href'))"):
        if href.startswith(("http://", "https://")):
            assert href.startswith(REPOSITORY), f"a button on {page_path} leaves the project: {href}"
            continue
        target = (HTML / page_path).parent / href
        assert target.is_file(), f"a button on {page_path} links to nothing: {href}"
        if target.suffix == ".ipynb":  # the download is the notebook the tests execute
            assert target.read_bytes() == (ROOT / page_path).with_suffix(".ipynb").read_bytes()

    # page weight, images included
    size = (HTML / page_path).stat().st_size + sum(
        (HTML / page_path).parent.joinpath(src).stat().st_size
        for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html))
        if not src.startswith(("data:", "http")) and (HTML / page_path).parent.joinpath(src).is_file())
    assert size <= PAGE_BUDGET, f"{page_path} weighs {size / 1e6:.1f} MB with its images (at most 5 MB)"

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
    shot = SCREENSHOTS / (page_path.replace("/", "__") + ".png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file() and shot.stat().st_size > 0

    assert not seen["errors"], f"JavaScript errors on {page_path}: {seen['errors']}"
    assert not seen["blocked"], f"{page_path} tried to reach the network: {seen['blocked']}"
    local_failures = [f for f in seen["failed"] if f.startswith("http://127.0.0.1")]
    assert not local_failures, f"requests that failed on {page_path}: {local_failures}"


def test_the_site_stays_small():
    total = sum(p.stat().st_size for p in HTML.rglob("*") if p.is_file())
    assert total <= SITE_BUDGET, f"the site weighs {total / 1e6:.0f} MB (at most 100 MB)"


def _drive_explorers(page, page_path) -> int:
    """Move every control of every explorer through its values; the frame and its alt text follow.

    Returns the number of controls moved. Screenshots of the first explorer before and after a
    move go to _build/screenshots/ (explorer-before/after).
    """
    moved = 0
    for k in range(page.locator(".cnnlab-explorer").count()):
        root = page.locator(".cnnlab-explorer").nth(k)
        root.scroll_into_view_if_needed()
        image = root.locator("img.cnnlab-frame")
        names = root.evaluate("r => JSON.parse(r.querySelector('script.cnnlab-frames').textContent).names")
        labels = root.evaluate("r => JSON.parse(r.querySelector('script.cnnlab-frames').textContent).labels")
        seen = {image.get_attribute("src")}
        for name, options in zip(names, labels):
            control = root.locator(f'[data-control="{name}"]')
            start = control.evaluate("c => c.type === 'checkbox' ? (c.checked ? 1 : 0) : parseInt(c.value, 10)")
            for at in [i for i in range(len(options)) if i != start] + [start]:
                if k == 0 and moved == 0:
                    root.screenshot(path=str(SCREENSHOTS / f"explorer-before__{page_path.replace('/', '__')}.png"))
                control.evaluate(
                    """(c, at) => {
                        if (c.type === 'checkbox') { c.checked = at === 1; }
                        else { c.value = String(at); }
                        c.dispatchEvent(new Event(c.type === 'range' ? 'input' : 'change', {bubbles: true}));
                    }""", at)
                alt = image.get_attribute("alt")
                assert f"{name} = {options[at]}" in alt, f"{page_path}: after setting {name} to {options[at]}, alt is {alt!r}"
                seen.add(image.get_attribute("src"))
                if k == 0 and moved == 0 and at != start:
                    root.screenshot(path=str(SCREENSHOTS / f"explorer-after__{page_path.replace('/', '__')}.png"))
            moved += 1
        frames = root.evaluate("r => new Set(JSON.parse(r.querySelector('script.cnnlab-frames').textContent).frames).size")
        assert len(seen) > 1 or frames == 1, f"{page_path}: explorer {k} shows the same frame whatever the controls"
    return moved
