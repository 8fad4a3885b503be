"""End to end in headless Chromium: the Voilà app and notebook 01 in JupyterLab, as a person uses them.

Driven with Playwright's Python package against Debian's ``chromium`` (never ``playwright install``).
Skipped, with the reason, only when no ``chromium`` is on the PATH. Screenshots go to
``tests/artifacts/browser/`` (git-ignored); the time from starting a server to the first visible
widget is printed and written to ``tests/artifacts/browser/timings.txt``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Kernel start, the catalog load and the first render share two cores with the rest of the machine.
SLOW_MS = 180_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait until ``url`` answers, or fail with the server's log if it died or never answered."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer in {seconds} s:\n{log.read_text(errors='replace')[-3000:]}")


class Server:
    """A server process of this test in its own process group, ended (with its kernels) at exit."""

    def __init__(self, argv: list[str], log: Path, cwd: Path, env: dict[str, str]):
        self.log = log
        self.started = time.perf_counter()
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._out.close()


def _record_timing(capsys, what: str, seconds: float) -> None:
    line = f"time to first interactive page, {what}: {seconds:.1f} s"
    with capsys.disabled():
        print(f"\n{line}")
    with (ARTIFACTS / "timings.txt").open("a", encoding="utf-8") as out:
        out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium context with a fresh profile (the same for every test of this module)."""
    if CHROMIUM is None:
        pytest.skip(
            "no chromium on PATH (install Debian's: apt-get install -y chromium); "
            "the browser tests never download a browser"
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(SLOW_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    yield tab
    tab.close()


def _env(tmp_path: Path) -> dict[str, str]:
    """This test's environment (already isolated by conftest), with private Jupyter folders."""
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        folder = tmp_path / name.lower()
        folder.mkdir(exist_ok=True)
        env[name] = str(folder)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _wait_until(condition, what: str, seconds: float = 60.0) -> None:
    """Poll a condition on the page (widget state reaches the DOM through the kernel, not at once)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.2)


def _count(text: str) -> int:
    match = re.search(r"(\d[\d,]*) of \d[\d,]* models match", text)
    assert match, f"no match count in {text!r}"
    return int(match.group(1).replace(",", ""))


def test_voila_app_picks_models_and_prices_a_request(page, tmp_path, capsys):
    port = _free_port()
    server = Server(
        [sys.executable, "-m", "aihubmix_frame", "app", "--offline", "--port", str(port), "--no-browser"],
        tmp_path / "voila.log",
        tmp_path,
        _env(tmp_path),
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, server.proc, server.log)
        page.set_viewport_size({"width": 1400, "height": 2400})  # the whole app in one screenshot
        page.goto(url)
        features = page.locator(".widget-select-multiple").filter(has=page.locator("label", has_text="features"))
        features.first.wait_for(state="visible")
        _record_timing(capsys, "Voilà app (aihubmix-frame app --offline)", time.perf_counter() - server.started)
        page.screenshot(path=str(ARTIFACTS / "voila_app_loaded.png"), full_page=True)

        summary = page.locator(".widget-html", has_text="models match").first
        everything = _count(summary.inner_text())
        assert everything > 500  # the bundled snapshot: 804 models

        features.first.locator("option", has_text="thinking").first.click()
        page.wait_for_function(
            "n => [...document.querySelectorAll('.widget-html')].some(e => /models match/.test(e.innerText)"
            " && !e.innerText.startsWith(String(n) + ' of'))",
            arg=everything,
        )
        thinking = _count(summary.inner_text())
        assert 0 < thinking < everything

        model = page.locator(".widget-text").filter(has=page.locator("label", has_text="model")).locator("input")
        model.first.fill("claude")
        model.first.press("Enter")
        page.wait_for_function(
            "n => [...document.querySelectorAll('.widget-html')].some(e => /models match/.test(e.innerText)"
            " && !e.innerText.startsWith(String(n) + ' of'))",
            arg=thinking,
        )
        claude = _count(summary.inner_text())
        assert 0 < claude < thinking
        picked = page.locator(".widget-select:not(.widget-select-multiple) select").first
        # The pick follows the count through the kernel; wait for it rather than race it.
        picked.locator("option", has_text="claude").first.wait_for(state="attached")
        _wait_until(lambda: "claude" in picked.input_value().lower(), "the picked model to become a claude")

        costs = page.locator(".widget-html", has_text="cheapest models").first
        table = page.locator(".widget-html", has_text="cache write").first  # the cost table's header
        # The cheapest models are free ($0 whatever the tokens): leave them out to see prices move.
        # The picker above has a "free models" box too: the cost explorer's is the last one.
        page.locator(".widget-checkbox", has_text="free models").locator("input").last.uncheck()
        page.wait_for_function(
            "() => ![...document.querySelectorAll('.widget-html')].some(e => /cache write/.test(e.innerText)"
            " && /free model/.test(e.innerText))"
        )
        before = costs.inner_text()
        table_before = table.inner_text()
        tokens = page.locator(".widget-text").filter(has=page.locator("label", has_text="input tok")).locator("input")
        tokens.first.fill("200000")
        tokens.first.press("Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-html')].some(e => /200,000 input/.test(e.innerText))"
        )
        output = page.locator(".widget-text").filter(has=page.locator("label", has_text="output tok")).locator("input")
        output.first.fill("5000")
        output.first.press("Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-html')].some(e => /5,000 output/.test(e.innerText))"
        )
        _wait_until(lambda: costs.inner_text() != before, "the cost summary to change")
        # the costs in the table changed with the tokens
        _wait_until(lambda: table.inner_text() != table_before, "the cost table to change")
        page.screenshot(path=str(ARTIFACTS / "voila_app_after_changes.png"), full_page=True)
    finally:
        server.stop()


def test_jupyterlab_runs_notebook_01_with_a_widget_and_a_chart(page, tmp_path, capsys):
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_explore_catalog.ipynb", root)
    port = _free_port()
    server = Server(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        tmp_path / "jupyterlab.log",
        root,
        _env(tmp_path),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api", server.proc, server.log)
        page.goto(f"{base}/lab/tree/01_explore_catalog.ipynb")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
        # JupyterLab may ask which kernel to start (the notebook names python3): take the one offered.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with contextlib.suppress(PlaywrightTimeout):  # the kernel started without asking
            page.locator(".jp-Dialog .jp-mod-accept").first.click(timeout=20_000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(state="attached")
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).first.click()

        widget = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-select-multiple")
        tracebacks = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        # Run All stops at a failing cell: fail then, with its traceback, rather than at the timeout.
        page.wait_for_function(
            "() => document.querySelector('.jp-OutputArea-output .jupyter-widgets.widget-select-multiple')"
            " || document.querySelector(\".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']\")"
        )
        assert tracebacks.count() == 0, tracebacks.all_inner_texts()
        widget.first.wait_for(state="visible")
        _record_timing(
            capsys,
            "JupyterLab notebook 01 (server start to Run All's first widget)",
            time.perf_counter() - server.started,
        )
        chart = page.locator(".jp-OutputArea-output img")
        chart.first.wait_for(state="visible")
        assert chart.first.evaluate("img => img.naturalWidth") > 100  # a drawn chart, not a broken image
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(state="attached")
        assert page.locator(".jp-OutputArea-output .jupyter-widgets").count() >= 2  # picker and explorer
        assert tracebacks.count() == 0, tracebacks.all_inner_texts()
        for shown, name in (
            (widget.first, "jupyterlab_picker.png"),
            (chart.first, "jupyterlab_price_map.png"),
        ):
            shown.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / name))
    finally:
        server.stop()


#: What the app's layout must hold at a width: every control label whole, every chart at its own
#: aspect ratio (never stretched) and rendered with at least 1.5 PNG pixels per CSS pixel (sharp).
LAYOUT_PROBE = """
() => {
  const visible = e => e.offsetParent !== null && e.clientWidth > 0;
  const labels = [...document.querySelectorAll('.widget-label, .widget-label-basic, .widget-checkbox label')]
    .filter(visible)
    .map(e => ({text: e.innerText, scroll: e.scrollWidth, client: e.clientWidth}));
  const images = [...document.querySelectorAll('img')]
    .filter(e => visible(e) && e.naturalWidth > 100)
    .map(e => ({cls: e.className, naturalWidth: e.naturalWidth, naturalHeight: e.naturalHeight,
                width: e.getBoundingClientRect().width, height: e.getBoundingClientRect().height}));
  return {labels, images, page: document.documentElement.clientWidth};
}
"""


@pytest.mark.parametrize("width", [1400, 820])
def test_voila_app_layout_holds_at_two_widths(page: Any, tmp_path: Path, width: int) -> None:
    """Issue 21: labels whole, charts sharp and never stretched, at a wide and a narrow window."""
    port = _free_port()
    server = Server(
        [sys.executable, "-m", "aihubmix_frame", "app", "--offline", "--port", str(port), "--no-browser"],
        tmp_path / "voila.log",
        tmp_path,
        _env(tmp_path),
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, server.proc, server.log)
        page.set_viewport_size({"width": width, "height": 3200})  # the whole app in one screenshot
        page.goto(url)
        page.locator(".widget-html", has_text="cheapest models").first.wait_for(state="visible")
        # the picker's price map, the explorer's cost bars and the market chart: three PNGs
        page.wait_for_function(
            "() => [...document.querySelectorAll('img')].filter(e => e.complete && e.naturalWidth > 100).length >= 3"
        )
        time.sleep(0.5)  # let the layout settle after the last image
        page.screenshot(path=str(ARTIFACTS / f"voila_app_layout_{width}px.png"), full_page=True)
        charts = page.locator("img")
        for position in range(charts.count()):  # each chart as the browser shows it, to look at by eye
            chart = charts.nth(position)
            if chart.evaluate("e => e.naturalWidth > 100"):
                chart.scroll_into_view_if_needed()
                chart.screenshot(path=str(ARTIFACTS / f"voila_app_chart{position}_{width}px.png"))
        found = page.evaluate(LAYOUT_PROBE)
        assert len(found["labels"]) >= 15, found["labels"]
        clipped = [label for label in found["labels"] if label["scroll"] > label["client"] + 1]
        assert not clipped, f"labels cut off at {width}px: {clipped}"
        assert len(found["images"]) >= 3, found["images"]
        for image in found["images"]:
            natural = image["naturalWidth"] / image["naturalHeight"]
            shown = image["width"] / image["height"]
            assert shown == pytest.approx(natural, rel=0.02), f"stretched at {width}px: {image}"
            assert image["width"] <= found["page"] + 1, f"wider than the page at {width}px: {image}"
            assert image["naturalWidth"] >= 1.5 * image["width"], f"blurry (fewer than 1.5 px per CSS px): {image}"
    finally:
        server.stop()
