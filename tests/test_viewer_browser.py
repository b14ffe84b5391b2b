"""The pyramid's viewer in a real browser: Debian's chromium, headless, driven by selenium,
opening index.html from file:// (no server). It zooms to the native level and compares a
screenshot with render's pixels, hovers a tile and reads its facts, follows a permalink,
jumps, dims dead tiles, and shows hostile names as text."""

from __future__ import annotations

import os
import shutil
import time
from io import BytesIO

import numpy as np
import pytest

import fasttile

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 900, 640
HOSTILE = '<img src=x onerror="window.__pwned = 1">'


def start_chromium(width: int = WIDTH, height: int = HEIGHT):
    """Headless chromium at device pixel ratio 1, or a skip naming what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            pytest.skip(f"{path} is not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_for(driver, script: str, timeout: float = 10.0):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        time.sleep(0.05)


SETTLED = """(function () {
  var v = window.FasttileViewer && FasttileViewer.current;
  if (!v || v.loading !== 0) return false;
  var tiles = document.querySelectorAll('.leaflet-tile');
  for (var i = 0; i < tiles.length; i++) {
    if (!tiles[i].classList.contains('leaflet-tile-loaded')) return false;
    if (getComputedStyle(tiles[i]).opacity !== '1') return false;
  }
  return tiles.length > 0;
})()"""


def screenshot(driver) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB"))


def screen_of(driver, x: float, y: float) -> tuple[float, float]:
    """Container (= viewport) coordinates of mosaic pixel (x, y)."""
    p = driver.execute_script(
        "var v = FasttileViewer.current;"
        "return v.map.latLngToContainerPoint(v.latLngOf(arguments[0], arguments[1]));",
        x,
        y,
    )
    return p["x"], p["y"]


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def bank():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((400, 8 * 8 * 3)).astype(np.float32)
    w[[10, 11]] = 0.0  # dead tiles
    return w


OPTIONS = {"order": "norm", "zoom": 3, "pad_value": (255, 255, 255)}


@pytest.fixture(scope="module")
def site(tmp_path_factory, bank):
    folder = tmp_path_factory.mktemp("viewer") / "site"
    labels = [f"feature {i}" for i in range(len(bank))]
    labels[42] = HOSTILE
    fasttile.pyramid(bank, folder, title=HOSTILE, labels=labels, **OPTIONS)
    return folder


def geometry(bank):
    """The mosaic's grid and display order (what the viewer must agree with)."""
    return fasttile.mosaic(bank, **OPTIONS)


def open_site(driver, folder, fragment: str = "") -> None:
    driver.get((folder / "index.html").as_uri() + fragment)
    wait_for(driver, SETTLED)


def zoom_native(driver, cx: int, cy: int) -> None:
    driver.execute_script(
        "var v = FasttileViewer.current;"
        "v.map.setView(v.latLngOf(arguments[0], arguments[1]), v.map.options.maxZoom - 4, {animate: false});",
        cx,
        cy,
    )
    time.sleep(0.1)
    wait_for(driver, SETTLED)


def test_native_zoom_shows_render_pixels_exactly(browser, site, bank):
    expected = fasttile.render(bank, **OPTIONS)
    open_site(browser, site)
    zoom_native(browser, 300, 300)
    x0, y0 = screen_of(browser, 0, 0)
    assert x0 == int(x0) and y0 == int(y0)
    shot = screenshot(browser)
    # the region left of the panel, inside both the viewport and the mosaic
    sx0, sy0 = max(0, int(x0)), max(0, int(y0))
    sx1, sy1 = min(560, int(x0) + expected.shape[1]), min(shot.shape[0], int(y0) + expected.shape[0])
    assert sx1 - sx0 > 300 and sy1 - sy0 > 300
    got = shot[sy0:sy1, sx0:sx1].astype(int)
    want = expected[sy0 - int(y0) : sy1 - int(y0), sx0 - int(x0) : sx1 - int(x0)].astype(int)
    assert np.array_equal(got, want), f"max difference {np.abs(got - want).max()}"


def hover(driver, x: float, y: float) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    sx, sy = screen_of(driver, x, y)
    map_div = driver.find_element(By.CSS_SELECTOR, ".fasttile-map")
    size = map_div.size
    ActionChains(driver).move_to_element_with_offset(
        map_div, int(sx - size["width"] / 2), int(sy - size["height"] / 2)
    ).perform()


def field(driver, name: str) -> str:
    return driver.execute_script(f"return document.getElementById('ft-{name}').textContent;")


def tile_centre(m, t: int) -> tuple[float, float]:
    row, col = divmod(t, m.ncols)
    return (
        m.padding + col * m.cell_width + m.tile_width / 2,
        m.padding + row * m.cell_height + m.tile_height / 2,
    )


def test_hover_names_the_unit_and_its_norm(browser, site, bank):
    m = geometry(bank)
    open_site(browser, site)
    zoom_native(browser, 200, 200)
    t = 13  # display tile 13: some unit other than 13 (ordered by norm)
    unit = int(m.units[t])
    assert unit != t
    hover(browser, *tile_centre(m, t))
    wait_for(browser, f"document.getElementById('ft-unit').textContent === '{unit}'")
    norm = float(field(browser, "norm"))
    assert norm == pytest.approx(np.linalg.norm(bank[unit].astype(np.float64)), rel=1e-4)
    assert float(field(browser, "min")) == pytest.approx(float(bank[unit].min()), rel=1e-4)
    assert field(browser, "label") == f"feature {unit}"
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).click().perform()  # a click: the address becomes its permalink
    wait_for(browser, f"location.hash === '#unit={unit}'")


def test_permalink_and_jump_centre_on_the_unit(browser, site, bank):
    m = geometry(bank)
    unit = 123
    t = int(np.flatnonzero(m.units == unit)[0])
    open_site(browser, site, f"#unit={unit}")
    wait_for(browser, f"document.getElementById('ft-unit').textContent === '{unit}'")
    centre = browser.execute_script(
        "var v = FasttileViewer.current; var p = v.map.project(v.map.getCenter(), v.map.options.maxZoom - 4);"
        "return v.geometry.tileAt(p.x, p.y);"
    )
    assert centre == t
    # the jump box: type a unit, press enter, the map centres on it and the hash follows
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, "ft-jump-input")
    box.clear()
    box.send_keys("7", Keys.ENTER)
    wait_for(browser, "location.hash === '#unit=7'")
    t7 = int(np.flatnonzero(m.units == 7)[0])
    wait_for(
        browser,
        "(function(){var v = FasttileViewer.current; var p = v.map.project(v.map.getCenter(), "
        f"v.map.options.maxZoom - 4); return v.geometry.tileAt(p.x, p.y) === {t7};}})()",
    )
    box.clear()
    box.send_keys("400", Keys.ENTER)
    wait_for(browser, "document.getElementById('ft-status').textContent.indexOf('no unit 400') === 0")


def test_dead_tiles_dim_on_request(browser, site, bank):
    m = geometry(bank)
    dead_t = int(np.flatnonzero(m.units == 10)[0])
    live_t = dead_t + 1 if m.units[dead_t + 1] not in (10, 11) else dead_t + 2
    open_site(browser, site)
    zoom_native(browser, *tile_centre(m, dead_t))
    before = screenshot(browser)
    browser.find_element("id", "ft-dead").click()
    wait_for(browser, SETTLED)
    time.sleep(0.3)
    after = screenshot(browser)
    for t, dimmed in ((dead_t, True), (live_t, False)):
        sx, sy = (int(v) for v in screen_of(browser, *tile_centre(m, t)))
        a, b = before[sy, sx].astype(int), after[sy, sx].astype(int)
        if dimmed:
            assert (a == 128).all() and (b < 40).all(), (a, b)  # constant tile: gray 128, then dark
        else:
            assert np.array_equal(a, b)


def test_hostile_names_show_as_text(browser, site, bank):
    m = geometry(bank)
    open_site(browser, site, "#unit=42")
    wait_for(browser, f"document.getElementById('ft-label').textContent === {HOSTILE!r}")
    assert browser.find_element("id", "ft-title").text == HOSTILE
    assert browser.title == f"{HOSTILE} - fasttile"
    assert browser.execute_script("return window.__pwned === undefined && document.images.length;") >= 1
    assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length;") == 0
    assert 42 in m.units


def test_viewer_on_the_ica_demo_bank(browser, tmp_path):
    """The README's screenshot: the demo's real filters, one hovered. Set
    FASTTILE_SCREENSHOT=docs/viewer.png to keep it."""
    from fasttile.demo import learn_filters

    keep = os.environ.get("FASTTILE_SCREENSHOT")
    filters = learn_filters() if keep else learn_filters(count=4000, iterations=30)  # quicker, alike
    folder = tmp_path / "demo"
    options = {"tile_shape": (8, 8, 3), "zoom": 4, "pad_value": 255}
    fasttile.pyramid(filters, folder, title="ICA filters of matplotlib's sample photo", **options)
    open_site(browser, folder, "#unit=19")  # centred and outlined
    browser.execute_script(
        "var map = FasttileViewer.current.map; map.setZoom(map.getZoom() + 1, {animate: false});"
    )
    time.sleep(0.2)
    wait_for(browser, SETTLED)
    m = fasttile.mosaic(filters, **options)
    hover(browser, *tile_centre(m, 19))
    wait_for(browser, "document.getElementById('ft-unit').textContent === '19'")
    norm = float(field(browser, "norm"))
    assert norm == pytest.approx(float(np.linalg.norm(filters[19].astype(np.float64))), rel=1e-4)
    if keep:
        browser.save_screenshot(keep)


def test_hostile_key_in_a_weights_file_stays_text(browser, tmp_path):
    from fasttile.cli.app import main

    w = np.random.default_rng(3).standard_normal((30, 64)).astype(np.float32)
    path = tmp_path / "hostile.npz"
    np.savez(path, **{HOSTILE: w})
    labels = tmp_path / "labels.txt"
    labels.write_text(
        "\n".join([f"<script>window.__pwned = {i}</script>" for i in range(30)]), encoding="utf-8"
    )
    site = tmp_path / "site"
    assert main(["pyramid", str(path), "-o", str(site), "--labels", str(labels), "-q"]) == 0
    open_site(browser, site, "#unit=4")
    wait_for(
        browser, "document.getElementById('ft-label').textContent === '<script>window.__pwned = 4</script>'"
    )
    assert browser.find_element("id", "ft-title").text == f"{path.name}: {HOSTILE}"  # no absolute path
    assert browser.execute_script("return window.__pwned === undefined;")
    assert browser.execute_script("return document.querySelectorAll('script:not([src])').length;") == 0


def test_split_channels_show_unit_and_channel(browser, tmp_path):
    w = np.random.default_rng(5).standard_normal((7, 5, 6, 6)).astype(np.float32)  # 5 gray tiles a filter
    options = {"zoom": 4}
    folder = tmp_path / "split"
    fasttile.pyramid(w, folder, **options)
    m = fasttile.mosaic(w, **options)
    assert (m.inner, m.ncols) == (5, 5)  # a filter per grid row
    open_site(browser, folder)
    zoom_native(browser, 100, 100)
    hover(browser, *tile_centre(m, 7))  # row 1, column 2: unit 1, channel 2
    wait_for(browser, "document.getElementById('ft-unit').textContent === '1'")
    assert field(browser, "channel") == "2"
    expected = float(np.linalg.norm(w[1, 2].astype(np.float64)))
    assert float(field(browser, "norm")) == pytest.approx(expected, rel=1e-4)
