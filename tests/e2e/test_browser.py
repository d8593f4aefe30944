"""The browser app (examples/browser/) in headless Chromium against a LocalStack deployment with CORS.

The page is served from its own origin (a Python static server on a fresh port), so every call it makes is
cross-origin and preflighted: only a real browser enforces the preflight, the allowed origin and the exposed
headers. The stack allows exactly the page's origin and requires an API key, as a production stack would.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from botocore.credentials import Credentials
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tooling.files import file_sha256, write_random
from tooling.program import ROOT
from tooling.signed import resign

from .conftest import REGION, Deployed, deploy

ARTEFACTS = ROOT / "test-artefacts"  # screenshots, ignored by git
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Headless flags that work on this machine (no sandbox as root, no network calls of Chromium's own).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1000",
)
WAIT = 180  # seconds: a bound for the slowest step (20 MB up through LocalStack on 2 busy cores), not a sleep


def load_server_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("browser_serve", ROOT / "examples" / "browser" / "serve.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve_app() -> Iterator[str]:
    """The app on a fresh port of its own (port 0): a distinct origin for each server."""
    server = load_server_module().make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def app_origin() -> Iterator[str]:
    yield from serve_app()


@pytest.fixture(scope="module")
def foreign_origin() -> Iterator[str]:
    """The same app on another port: an origin the stack does not allow."""
    yield from serve_app()


@pytest.fixture(scope="module")
def browser_stack(tmp_path_factory: pytest.TempPathFactory, endpoint: str, app_origin: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:*"],
        "s3proxy:corsAllowOrigin": app_origin,
        "s3proxy:apiKeyNames": ["browser"],
        "s3proxy:metadataHeaders": ["x-amz-meta-uploaded-by"],
    }
    yield from deploy(tmp_path_factory, endpoint, "browser", config)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[webdriver.Chrome]:
    for program in (CHROMIUM, CHROMEDRIVER):
        if not program.is_file():
            pytest.fail(f"{program} is missing: `make browser` installs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def open_app(driver: webdriver.Chrome, origin: str, stack: Deployed, bucket: str) -> None:
    """The page, given the stack and credentials in its URL fragment (which never leaves the browser)."""
    settings = {
        "url": stack.outputs["url"],
        "region": REGION,
        "bucket": bucket,
        "accessKeyId": "test",
        "secretAccessKey": "test",
        "apiKey": stack.outputs["api_keys"]["browser"],
    }
    driver.get("about:blank")  # a fresh page for each test
    driver.get(f"{origin}/#{urlencode(settings)}")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
    assert "#" not in driver.current_url  # the credentials were taken out of the address bar
    assert driver.find_element(By.ID, "bucket").get_attribute("value") == bucket


def run(driver: webdriver.Chrome, button: str) -> tuple[str, str]:
    """Click a button and wait until the page reports the outcome; (state, status text)."""
    driver.find_element(By.ID, button).click()
    status = driver.find_element(By.ID, "status")
    WebDriverWait(driver, WAIT).until(lambda _: status.get_attribute("data-state") in ("ok", "error"))
    return status.get_attribute("data-state") or "", status.text


def fill(driver: webdriver.Chrome, field: str, value: str) -> None:
    element = driver.find_element(By.ID, field)
    element.clear()
    element.send_keys(value)


def requests_seen(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Every request Chromium sent since the last call (method, url, headers), preflights included (CDP events)."""
    seen = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            seen.append(message["params"]["request"])
    return seen


def test_a_20_mb_file_round_trips_byte_exact(chromium, app_origin, browser_stack, bucket, s3, tmp_path, downloads):
    original = tmp_path / "video.bin"
    digest = write_random(original, 20_000_000)
    open_app(chromium, app_origin, browser_stack, bucket)
    requests_seen(chromium)  # start counting here
    chromium.find_element(By.ID, "file").send_keys(str(original))
    fill(chromium, "uploadKey", "media/video.bin")
    state, text = run(chromium, "upload")
    assert state == "ok", text
    assert "Uploaded media/video.bin: 20,000,000 bytes in 3 parts" in text
    print(f"\nbrowser: {text}")  # the figure: the page reports its time
    stored = s3.get_object(Bucket=bucket, Key="media/video.bin")
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == digest
    assert stored["ETag"].endswith('-3"')  # S3's multipart ETag: three parts
    methods = [r["method"] for r in requests_seen(chromium) if r["url"].startswith(browser_stack.outputs["url"])]
    assert methods.count("PUT") == 3 and methods.count("POST") == 2  # create, 3 parts, complete
    assert methods.count("OPTIONS") >= 3  # the browser preflighted its signed cross-origin calls

    fill(chromium, "downloadKey", "media/video.bin")
    state, text = run(chromium, "download")
    assert state == "ok", text
    assert "Downloaded media/video.bin: 20,000,000 bytes in 3 ranged reads" in text
    print(f"browser: {text}")
    reads = [r for r in requests_seen(chromium) if r["method"] == "GET" and "Authorization" in r["headers"]]
    assert len(reads) == 3
    for read in reads:  # aws4fetch signs as botocore does (LocalStack does not check signatures)
        authorization, expected = resign("GET", read["url"], read["headers"], b"", Credentials("test", "test"))
        assert authorization["service"] == "execute-api" and authorization["signature"] == expected
    saved = downloads / "video.bin"
    WebDriverWait(chromium, WAIT).until(lambda _: saved.is_file() and saved.stat().st_size == 20_000_000)
    assert file_sha256(saved) == digest

    state, text = run(chromium, "list")
    assert (state, text) == ("ok", f"{bucket}: 1 object.")
    assert chromium.find_element(By.CSS_SELECTOR, "#listing tbody td.key").text == "media/video.bin"
    ARTEFACTS.mkdir(exist_ok=True)
    chromium.save_screenshot(str(ARTEFACTS / "browser-app.png"))


# A signed PUT and GET by fetch() from the page's origin, headers named in the case the API declares them. Chrome
# sends a header only when the preflight's Access-Control-Allow-Headers names it, and gives a script only the
# response headers Access-Control-Expose-Headers names (Fetch standard, "CORS protocol").
PUT_AND_READ_BACK = """
const [url, region, apiKey, body, headers, done] = arguments;
(async () => {
  const { AwsV4Signer } = await import('/vendor/aws4fetch.js');
  const call = async (method, extra, payload) => {
    const all = { 'x-api-key': apiKey, ...extra };
    const signer = new AwsV4Signer({
      accessKeyId: 'test', secretAccessKey: 'test', service: 'execute-api', region, method, url,
      headers: all, body: payload ?? '',
    });
    const signed = await signer.sign();
    const names = new Map(Object.keys(all).map((name) => [name.toLowerCase(), name]));
    const sent = [...signed.headers].map(([name, value]) => [names.get(name) ?? name, value]);
    const response = await fetch(signed.url, { method, headers: sent, body: payload, cache: 'no-store' });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  };
  const put = await call('PUT', headers, body);
  const get = await call('GET', { 'x-amz-checksum-mode': 'ENABLED' });
  return { put, get };
})().then(done, (error) => done({ error: String(error) }));
"""


def test_a_cross_origin_put_with_metadata_and_a_checksum_is_sent_and_read_back(
    chromium, app_origin, browser_stack, bucket, s3
):
    body = "Hello, World!"
    sha256 = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    open_app(chromium, app_origin, browser_stack, bucket)
    headers = {"Content-Type": "text/plain", "x-amz-meta-uploaded-by": "alice", "x-amz-checksum-sha256": sha256}
    answer = chromium.execute_async_script(
        PUT_AND_READ_BACK,
        f"{browser_stack.outputs['url']}/{bucket}/notes/hello.txt",
        REGION,
        browser_stack.outputs["api_keys"]["browser"],
        body,
        headers,
    )
    assert "error" not in answer, answer  # a header the preflight refuses makes fetch() throw a TypeError
    put, get = answer["put"], answer["get"]
    assert put["status"] == 200, put
    assert put["headers"]["etag"] == '"65a8e27d8879283831b664bd8b7f0ad4"'  # the seed's ETag of Hello, World!
    assert put["headers"]["x-amz-checksum-sha256"] == sha256
    assert (get["status"], get["body"]) == (200, body)
    assert get["headers"]["x-amz-meta-uploaded-by"] == "alice"
    assert get["headers"]["x-amz-checksum-sha256"] == sha256
    stored = s3.head_object(Bucket=bucket, Key="notes/hello.txt", ChecksumMode="ENABLED")
    assert stored["Metadata"] == {"uploaded-by": "alice"} and stored["ChecksumSHA256"] == sha256


def test_a_missing_key_is_shown_as_not_found(chromium, app_origin, browser_stack, bucket):
    open_app(chromium, app_origin, browser_stack, bucket)
    fill(chromium, "downloadKey", "no/such/key.txt")
    state, text = run(chromium, "download")
    assert state == "error"
    assert text.startswith("Not found (HTTP 404, NoSuchKey): The specified key does not exist"), text
    ARTEFACTS.mkdir(exist_ok=True)
    chromium.save_screenshot(str(ARTEFACTS / "browser-app-not-found.png"))


def test_a_page_on_another_origin_is_refused_by_the_browser(chromium, foreign_origin, browser_stack, bucket, s3):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    open_app(chromium, foreign_origin, browser_stack, bucket)
    chromium.get_log("browser")  # only this test's messages below
    state, text = run(chromium, "list")
    assert state == "error"
    assert text.startswith("The browser got no readable answer"), text
    refusals = [entry["message"] for entry in chromium.get_log("browser") if "CORS policy" in entry["message"]]
    assert refusals and foreign_origin in refusals[0]
    assert "has a value 'http://127.0.0.1:" in refusals[0]  # the stack's one allowed origin, not this one
    assert chromium.find_elements(By.CSS_SELECTOR, "#listing tbody tr") == []


def test_a_gateway_error_without_cors_headers_is_opaque_to_the_page(chromium, app_origin, browser_stack, bucket):
    """API Gateway's own 403 (a wrong API key) carries no CORS headers, here as on AWS without CORS gateway
    responses (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html): the page can
    only say that it got no readable answer."""
    open_app(chromium, app_origin, browser_stack, bucket)
    fill(chromium, "apiKey", "not-a-key")
    state, text = run(chromium, "list")
    assert state == "error" and text.startswith("The browser got no readable answer"), text


@pytest.fixture(autouse=True)
def _no_downloads_left(downloads: Path) -> Iterator[None]:
    yield
    for entry in downloads.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def test_a_link_downloads_under_the_name_given(chromium, app_origin, browser_stack, bucket, s3):
    """The page signs a GET in its query string with S3's `response-content-disposition`: what S3 then answers is
    the `Content-Disposition` a browser saves the file under (GetObject API reference, "Overriding response header
    values"). A link cannot carry the stack's API key, so it is sent here beside the link."""
    s3.put_object(Bucket=bucket, Key="reports/q4.bin", Body=b"quarterly")
    open_app(chromium, app_origin, browser_stack, bucket)
    fill(chromium, "downloadKey", "reports/q4.bin")
    fill(chromium, "linkName", "Q4 résumé (final).txt")
    state, text = run(chromium, "link")
    assert (state, text) == (
        "ok",
        "Link to reports/q4.bin, saved as Q4 résumé (final).txt, valid for an hour (without the API key it needs).",
    )
    link = chromium.find_element(By.ID, "shareLink").get_attribute("href") or ""
    query = dict(parse_qsl(urlsplit(link).query))
    disposition = (
        "attachment; filename=\"Q4 r_sum_ (final).txt\"; filename*=UTF-8''Q4%20r%C3%A9sum%C3%A9%20%28final%29.txt"
    )
    assert query["response-content-disposition"] == disposition
    assert (query["X-Amz-Algorithm"], query["X-Amz-Expires"], query["X-Amz-SignedHeaders"]) == (
        "AWS4-HMAC-SHA256",
        "3600",
        "host",
    )
    assert query["X-Amz-Credential"].endswith(f"/{REGION}/execute-api/aws4_request")
    fetched = requests.get(link, headers={"x-api-key": browser_stack.outputs["api_keys"]["browser"]}, timeout=WAIT)
    assert (fetched.status_code, fetched.content) == (200, b"quarterly")
    assert fetched.headers["Content-Disposition"] == disposition
