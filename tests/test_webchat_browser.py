"""rasa-webchat, from the npm registry, on a page of another origin on loopback, talks to the socket.io channel in Chromium and shows a cited answer."""
import base64
import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, ThreadedServers

pytestmark = pytest.mark.slow

WEBCHAT = "rasa-webchat@1.0.1"
# The registry's sha512 of that tarball (`npm view rasa-webchat@1.0.1 dist.integrity`): a changed file fails.
WEBCHAT_INTEGRITY = "sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w=="
WEBCHAT_DIR = ARTIFACTS / "npm" / WEBCHAT.replace("@", "-")
ANSWER_WAIT_MS = 90_000

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A clinic's page</title></head>
<body><h1>A clinic's own site</h1><div id="webchat"></div>
<script src="/webchat.js"></script>
<script>
  WebChat.default({{selector: "#webchat", socketUrl: "{socket_url}", socketPath: "/socket.io/",
                    embedded: true, initPayload: "/greet", title: "Blincyto questions",
                    params: {{storage: "session"}}}}, null);
</script></body></html>
"""


def webchat_bundle() -> Path:
    """rasa-webchat's browser bundle (lib/index.js), fetched with `npm pack` into test-artifacts/ once."""
    bundle = WEBCHAT_DIR / "package" / "lib" / "index.js"
    if bundle.exists():
        return bundle
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: install Debian's npm package (apt-get install npm)")
    WEBCHAT_DIR.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run([npm, "pack", WEBCHAT, "--silent", "--pack-destination", str(WEBCHAT_DIR)],
                            check=True, capture_output=True, text=True, timeout=300)
    tarball = WEBCHAT_DIR / packed.stdout.strip().splitlines()[-1]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert digest == WEBCHAT_INTEGRITY, f"{tarball.name} is not the published {WEBCHAT}"
    with tarfile.open(tarball) as archive:
        archive.extract("package/lib/index.js", WEBCHAT_DIR)
    return bundle


@pytest.fixture(scope="module")
def clinic_page(socketio_rasa):
    """A page of its own origin (an allowed one) that embeds rasa-webchat pointed at the socket.io channel."""
    from aiohttp import web

    bundle = webchat_bundle()

    async def index(_request):
        return web.Response(text=PAGE.format(socket_url=socketio_rasa.url), content_type="text/html")

    async def script(_request):
        return web.FileResponse(bundle)

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/webchat.js", script)
    threads = ThreadedServers()
    url = threads.serve(app, port=int(socketio_rasa.page_origin.rsplit(":", 1)[1]))
    yield url
    threads.close()


def test_rasa_webchat_shows_a_cited_answer(new_page, clinic_page):
    page = new_page()
    page.set_default_timeout(ANSWER_WAIT_MS)
    # Only loopback: nothing the widget might fetch from elsewhere is let out.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
               else route.abort())
    page.goto(clinic_page + "/")
    expect(page.locator(".rw-response").first).to_contain_text("not medical advice")  # the greeting
    page.fill("input.rw-new-message, textarea.rw-new-message", "how much does blincyto cost?")
    page.press("input.rw-new-message, textarea.rw-new-message", "Enter")
    expect(page.locator(".rw-response").filter(has_text="178,000")).to_have_count(1)
    citation = page.locator(".rw-response").filter(has_text="Source: patient-information-page")
    expect(citation).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "webchat-cited-answer.png")
