"""The notebook view. Python side: the preview's size limits and pixels, region requests
answered with exactly the pyramid's tiles and sidecar chunks. JavaScript side: the
widget's ES module in headless chromium through a harness page whose stub model passes
the messages to the real Python RegionServer."""

from __future__ import annotations

import base64
import functools
import http.server
import importlib
import json
import threading
from io import BytesIO

import numpy as np
import pytest
from test_pyramid import read_chunk, reference_halve
from test_viewer_browser import SETTLED, screen_of, screenshot, start_chromium

import fasttile
from fasttile.web.widget import RegionServer, preview_png, widget_css, widget_esm

Image = pytest.importorskip("PIL.Image")


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(BytesIO(data)))


@pytest.fixture(scope="module")
def bank():
    rng = np.random.default_rng(21)
    w = rng.standard_normal((2500, 10 * 10)).astype(np.float32)
    w[[4, 9]] = 0.0
    return w


OPTIONS = {"order": "norm", "zoom": 2}


def test_preview_is_the_pyramid_level_that_fits(bank):
    m = fasttile.mosaic(bank, **OPTIONS)
    full = fasttile.render(bank, **OPTIONS)
    assert max(full.shape) == 1051
    got = decode_png(preview_png(m, max_side=300))
    expected = reference_halve(reference_halve(full))  # 1051 -> 526 -> 263
    assert np.array_equal(got, expected)
    small = decode_png(preview_png(bank[:9], max_side=300))  # already fits: the render itself
    assert np.array_equal(small, fasttile.render(bank[:9]))


def test_preview_never_exceeds_its_byte_budget(bank):
    noisy = np.random.default_rng(1).standard_normal((2500, 100))  # incompressible tiles
    data = preview_png(noisy, max_bytes=20_000, zoom=2)
    assert len(data) <= 20_000 and data.startswith(b"\x89PNG")
    assert max(decode_png(data).shape) < 300
    with pytest.raises(ValueError, match="max_bytes must be at least 1024"):
        preview_png(bank, max_bytes=10)
    with pytest.raises(TypeError, match="render options go to fasttile.mosaic"):
        preview_png(fasttile.mosaic(bank), zoom=2)


def test_region_tiles_equal_the_pyramids(tmp_path, bank):
    folder = tmp_path / "site"
    info = fasttile.pyramid(bank, folder, **OPTIONS)
    server = RegionServer(fasttile.mosaic(bank, **OPTIONS))
    assert server.max_zoom == info.max_zoom == 3 and server.min_zoom == 0
    for z in range(server.min_zoom, server.max_zoom + 1):
        for x in range(len(list((folder / "tiles" / str(z)).iterdir()))):
            for path in (folder / "tiles" / str(z) / str(x)).iterdir():
                y = int(path.stem)
                got = decode_png(server.tile(z, x, y))
                assert got.shape[0] <= 256 and got.shape[1] <= 256
                assert np.array_equal(got, np.asarray(Image.open(path))), (z, x, y)
    reply, buffers = server.handle({"id": 7, "kind": "tile", "z": 3, "x": 9, "y": 0})
    assert reply == {"id": 7, "error": "tile (9, 0) of zoom 3 is outside the mosaic"} and buffers == []
    reply, _ = server.handle({"id": 8, "kind": "tile", "z": 4, "x": 0, "y": 0})
    assert reply["error"] == "zoom 4 is outside 0..3"
    assert server.handle({"id": 9, "kind": "exec"})[0]["error"] == "unknown request 'exec'"


def test_region_chunks_equal_the_sidecar(tmp_path, bank):
    folder = tmp_path / "site"
    fasttile.pyramid(bank, folder, **OPTIONS)
    server = RegionServer(fasttile.mosaic(bank, **OPTIONS))
    for kind in ("facts", "units", "dead"):
        reply, _ = server.handle({"id": 1, "kind": "chunk", "what": kind, "k": 0})
        assert reply["payload"] == read_chunk(folder / kind / "0.js", kind, 0)
    with pytest.raises(ValueError, match="labels has 2 entries"):
        RegionServer(fasttile.mosaic(bank), labels=["a", "b"])


def test_browse_makes_an_anywidget_that_answers_messages(bank):
    pytest.importorskip("anywidget")
    widget = fasttile.browse(bank, title="bank", **OPTIONS)
    assert widget.manifest["max_zoom"] == 3 and widget.manifest["start"] == "native"
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    widget._answer(widget, {"id": 3, "kind": "tile", "z": 3, "x": 0, "y": 0}, [])
    assert sent[0][0] == {"id": 3}
    expected = fasttile.render(bank, **OPTIONS)[:256, :256]
    assert np.array_equal(decode_png(sent[0][1][0]), expected)
    assert len(widget._repr_png_()) <= 2 << 20


HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>body{margin:0}</style>
<link rel="stylesheet" href="widget.css"></head><body>
<div id="w" style="position:absolute;inset:0"></div>
<script src="traits.js"></script>
<script type="module">
import widget from "./widget.mjs";
// the anywidget model, stubbed: messages to Python queue up in __sent for the test to
// carry; the test hands answers back through __deliver
const handlers = [];
window.__sent = [];
window.__deliver = (content, b64s) => {
  const buffers = b64s.map((b) => {
    const bin = atob(b);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new DataView(bytes.buffer);
  });
  handlers.forEach((h) => h(content, buffers));
};
const model = {
  get: (name) => window.__traits[name],
  on: (event, cb) => { if (event === "msg:custom") handlers.push(cb); },
  off: () => {},
  send: (content) => window.__sent.push(content),
};
window.__cleanup = widget.render({ model, el: document.getElementById("w") });
</script></body></html>
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory, bank):
    """The harness page and the widget's module, served over HTTP on localhost (module
    scripts do not load from file://)."""
    folder = tmp_path_factory.mktemp("harness")
    widget_cls = importlib.import_module("fasttile.web.widget")
    server = widget_cls.RegionServer(fasttile.mosaic(bank, **OPTIONS), labels=[f"f{i}" for i in range(2500)])
    traits = {"manifest": server.manifest(), "height": 600}
    (folder / "traits.js").write_text(f"window.__traits = {json.dumps(traits)};")
    (folder / "widget.mjs").write_text(widget_esm())
    (folder / "widget.css").write_text(widget_css())  # anywidget adds the _css trait to the page
    (folder / "index.html").write_text(HARNESS)
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    driver = start_chromium(900, 800)  # the whole 600-pixel widget in view
    yield driver, f"http://127.0.0.1:{httpd.server_address[1]}/index.html", server
    driver.quit()
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pump(driver, server, until: str, timeout: float = 10.0) -> None:
    """Carry the page's messages to Python and the answers back, until `until` holds."""
    import time

    deadline = time.monotonic() + timeout
    while not driver.execute_script(f"return !!({until});"):
        for content in driver.execute_script("return window.__sent.splice(0);"):
            reply, buffers = server.handle(content)
            driver.execute_script(
                "window.__deliver(arguments[0], arguments[1]);",
                reply,
                [base64.b64encode(b).decode() for b in buffers],
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {until}")
        time.sleep(0.02)


def test_widget_javascript_shows_tiles_and_facts(harness, bank):
    driver, url, server = harness
    driver.get(url)
    pump(driver, server, SETTLED)
    expected = fasttile.render(bank, **OPTIONS)
    assert driver.execute_script("return FasttileViewer.current.map.getZoom();") == 3  # native: 1:1
    x0, y0 = screen_of(driver, 0, 0)
    assert (x0, y0) == (0, 0)  # opens on the top-left corner
    shot = screenshot(driver)
    h = min(shot.shape[0], 480)
    want = np.repeat(expected[:h, 60:560, None], 3, axis=2)  # right of Leaflet's zoom buttons
    assert np.array_equal(shot[:h, 60:560], want)
    # hover display tile 5: the facts come from Python through the same messages
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    m = fasttile.mosaic(bank, **OPTIONS)
    unit = int(m.units[5])
    x, y = m.padding + 5 * m.cell_width + 10, m.padding + 10
    map_div = driver.find_element(By.CSS_SELECTOR, ".fasttile-map")
    size = map_div.size
    ActionChains(driver).move_to_element_with_offset(
        map_div, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).perform()
    pump(driver, server, f"document.getElementById('ft-unit').textContent === '{unit}'")
    norm = float(driver.execute_script("return document.getElementById('ft-norm').textContent;"))
    assert norm == pytest.approx(float(np.linalg.norm(bank[unit].astype(np.float64))), rel=1e-4)
    assert driver.find_element(By.ID, "ft-label").text == f"f{unit}"
    # jump to a unit: the widget asks Python where it is and centres on it
    driver.execute_script("FasttileViewer.current.jumpTo(4);")
    pump(driver, server, "document.getElementById('ft-unit').textContent === '4 (dead)'")


def test_mosaic_repr_png_is_the_preview(bank):
    m = fasttile.mosaic(bank, **OPTIONS)
    data = m._repr_png_()
    assert data == preview_png(m) and len(data) <= 2 << 20
