/* fasttile viewer: Leaflet pans and zooms the mosaic; this file adds what only fasttile
 * knows (which unit a tile shows, its norm, min and max, jumping to a unit, dimming dead
 * tiles). It is shared by the static site (site.js) and the notebook widget (widget.js):
 * both hand create() a "source" that loads tiles and sidecar chunks their own way.
 * Every string that comes from a weights file reaches the page through textContent. */
(function (root) {
  "use strict";

  function bytesOf(b64) {
    var text = atob(b64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function arrayOf(b64, Type) {
    var bytes = bytesOf(b64); // little-endian, as every browser's typed arrays are
    return new Type(bytes.buffer, 0, bytes.length / Type.BYTES_PER_ELEMENT);
  }

  /* Mosaic pixel <-> display tile, by the rules of fasttile's grid (_grid.py). */
  function Geometry(m) {
    this.m = m;
  }
  Geometry.prototype.tileOfCell = function (row, col) {
    var m = this.m;
    if (row < 0 || col < 0 || row >= m.nrows || col >= m.ncols) return -1;
    var t = m.column_fill ? col * m.nrows + row : row * m.ncols + col;
    return t < m.tiles ? t : -1;
  };
  Geometry.prototype.tileAt = function (x, y) {
    var m = this.m;
    var px = x - m.padding;
    var py = y - m.padding;
    if (px < 0 || py < 0) return -1;
    var col = Math.floor(px / m.cell_width);
    var row = Math.floor(py / m.cell_height);
    if (px - col * m.cell_width >= m.tile_width || py - row * m.cell_height >= m.tile_height) return -1;
    return this.tileOfCell(row, col);
  };
  Geometry.prototype.origin = function (t) {
    var m = this.m;
    var row = m.column_fill ? t % m.nrows : Math.floor(t / m.ncols);
    var col = m.column_fill ? Math.floor(t / m.nrows) : t % m.ncols;
    return { x: m.padding + col * m.cell_width, y: m.padding + row * m.cell_height, row: row, col: col };
  };

  /* Sidecar chunks, each loaded once, on demand. */
  function Facts(source, m) {
    this.source = source;
    this.m = m;
    this.cache = {};
  }
  Facts.prototype.chunk = function (kind, k) {
    var key = kind + ":" + k;
    if (!this.cache[key]) {
      var self = this;
      this.cache[key] = this.source.load(kind, k).catch(function (err) {
        delete self.cache[key]; // let a later hover try again
        throw err;
      });
    }
    return this.cache[key];
  };
  Facts.prototype.tile = function (t) {
    var m = this.m;
    var size = m.sidecar.facts_chunk;
    var k = Math.floor(t / size);
    return this.chunk("facts", k).then(function (payload) {
      if (!payload.decoded) {
        payload.decoded = {
          unit: arrayOf(payload.unit, Int32Array),
          stats: arrayOf(payload.stats, Float64Array),
          dead: bytesOf(payload.dead),
        };
      }
      var d = payload.decoded;
      var i = t - k * size;
      return {
        tile: t,
        unit: d.unit[i],
        channel: m.inner > 1 ? t % m.inner : null,
        norm: d.stats[3 * i],
        min: d.stats[3 * i + 1],
        max: d.stats[3 * i + 2],
        dead: d.dead[i] !== 0,
        label: payload.labels ? payload.labels[i] : null,
      };
    });
  };
  Facts.prototype.tileOfUnit = function (u) {
    var size = this.m.sidecar.units_chunk;
    var k = Math.floor(u / size);
    return this.chunk("units", k).then(function (payload) {
      if (!payload.decoded) payload.decoded = arrayOf(payload.tile, Int32Array);
      return payload.decoded[u - k * size];
    });
  };
  Facts.prototype.deadBits = function () {
    return this.chunk("dead", 0).then(function (payload) {
      if (!payload.decoded) payload.decoded = bytesOf(payload.bits);
      return payload.decoded;
    });
  };

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function number(v) {
    if (!isFinite(v)) return String(v);
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(5) : v.toExponential(4);
  }

  root.FasttileViewerParts = {
    bytesOf: bytesOf,
    arrayOf: arrayOf,
    Geometry: Geometry,
    Facts: Facts,
    element: element,
    number: number,
  };
})(typeof globalThis !== "undefined" ? globalThis : window);

(function (root) {
  "use strict";
  var P = root.FasttileViewerParts;
  var element = P.element;

  /* The side panel: title, hover facts, jump box, dead toggle, status line. */
  function buildPanel(m) {
    var panel = element("div", "fasttile-panel");
    var title = element("div", "fasttile-title", m.title || "fasttile");
    title.id = "ft-title";
    panel.appendChild(title);
    var form = element("form", "fasttile-jump");
    var input = element("input");
    input.id = "ft-jump-input";
    input.type = "number";
    form.noValidate = true; // out-of-range units get the viewer's own message
    input.placeholder = "unit 0.." + (m.bank_units - 1);
    form.appendChild(input);
    form.appendChild(element("button", null, "go"));
    panel.appendChild(form);
    var toggle = element("label", "fasttile-dead");
    var box = element("input");
    box.type = "checkbox";
    box.id = "ft-dead";
    toggle.appendChild(box);
    var count = m.sidecar.dead_tiles === null ? "" : " (" + m.sidecar.dead_tiles + ")";
    toggle.appendChild(document.createTextNode(" dim dead tiles" + count));
    panel.appendChild(toggle);
    var info = element("dl", "fasttile-info");
    var fields = {};
    var names = ["unit", "channel", "norm", "min", "max", "label"];
    for (var i = 0; i < names.length; i++) {
      if (names[i] === "channel" && m.inner === 1) continue;
      if (names[i] === "label" && !m.sidecar.labels) continue;
      info.appendChild(element("dt", null, names[i]));
      fields[names[i]] = element("dd", null, "-");
      fields[names[i]].id = "ft-" + names[i];
      info.appendChild(fields[names[i]]);
    }
    panel.appendChild(info);
    var status = element("div", "fasttile-status", "");
    status.id = "ft-status";
    panel.appendChild(status);
    return { panel: panel, form: form, input: input, box: box, fields: fields, status: status };
  }

  function showFacts(ui, f) {
    var text = {
      unit: String(f.unit) + (f.dead ? " (dead)" : ""),
      channel: f.channel === null ? "-" : String(f.channel),
      norm: P.number(f.norm),
      min: P.number(f.min),
      max: P.number(f.max),
      label: f.label === null ? "-" : f.label,
    };
    for (var name in ui.fields) ui.fields[name].textContent = text[name];
  }

  /* Dims dead tiles: a canvas layer drawn from the dead bit per display tile. */
  function deadLayer(L, m, geometry, facts, options) {
    var Layer = L.GridLayer.extend({
      createTile: function (coords, done) {
        var canvas = document.createElement("canvas");
        canvas.width = canvas.height = m.tile_size;
        facts.deadBits().then(function (bits) {
          drawDead(canvas, coords, m, geometry, bits);
          done(null, canvas);
        }, function (err) {
          done(err, canvas);
        });
        return canvas;
      },
    });
    return new Layer(options);
  }

  function drawDead(canvas, coords, m, geometry, bits) {
    var scale = Math.pow(2, m.max_zoom - coords.z); // mosaic pixels per canvas pixel
    var x0 = coords.x * m.tile_size * scale;
    var y0 = coords.y * m.tile_size * scale;
    var span = m.tile_size * scale;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "rgba(0, 0, 0, 0.8)";
    var c0 = Math.max(0, Math.floor((x0 - m.padding) / m.cell_width));
    var c1 = Math.min(m.ncols - 1, Math.floor((x0 + span - m.padding) / m.cell_width));
    var r0 = Math.max(0, Math.floor((y0 - m.padding) / m.cell_height));
    var r1 = Math.min(m.nrows - 1, Math.floor((y0 + span - m.padding) / m.cell_height));
    for (var r = r0; r <= r1; r++) {
      for (var c = c0; c <= c1; c++) {
        var t = geometry.tileOfCell(r, c);
        if (t < 0 || !(bits[t >> 3] & (128 >> (t & 7)))) continue;
        var x = m.padding + c * m.cell_width;
        var y = m.padding + r * m.cell_height;
        ctx.fillRect((x - x0) / scale, (y - y0) / scale, m.tile_width / scale, m.tile_height / scale);
      }
    }
  }

  /* Edge tiles are smaller than 256 pixels: show them at their own size, unstretched. */
  function keepNaturalSize(layer) {
    layer.on("tileload", function (e) {
      if (e.tile.naturalWidth) {
        e.tile.style.width = e.tile.naturalWidth + "px";
        e.tile.style.height = e.tile.naturalHeight + "px";
      }
    });
  }

  root.FasttileViewerUI = {
    buildPanel: buildPanel,
    showFacts: showFacts,
    deadLayer: deadLayer,
    keepNaturalSize: keepNaturalSize,
  };
})(typeof globalThis !== "undefined" ? globalThis : window);

(function (root) {
  "use strict";
  var P = root.FasttileViewerParts;
  var UI = root.FasttileViewerUI;

  /* The Leaflet map over the mosaic: CRS.Simple, zoom max_zoom is pixel for pixel. */
  function makeMap(L, mapDiv, m) {
    var Z = m.max_zoom;
    var minZoom = m.min_zoom === undefined ? 0 : m.min_zoom;
    var map = L.map(mapDiv, {
      crs: L.CRS.Simple,
      minZoom: minZoom,
      maxZoom: Z + 4,
      zoomSnap: 1,
      attributionControl: false,
    });
    var bounds = L.latLngBounds(map.unproject([0, m.height], Z), map.unproject([m.width, 0], Z));
    var layerOptions = {
      tileSize: m.tile_size,
      minZoom: minZoom,
      maxNativeZoom: Z,
      maxZoom: Z + 4,
      bounds: bounds,
    };
    return { map: map, bounds: bounds, layerOptions: layerOptions };
  }

  /* Hover shows a tile's facts; a click makes the address its permalink. */
  function wirePointer(api, ui, source) {
    api.map.on("mousemove", function (e) {
      var t = api.tileAtLatLng(e.latlng);
      api.hovered = t;
      if (t < 0) return;
      api.facts.tile(t).then(function (f) {
        if (api.hovered === t) UI.showFacts(ui, f);
      }, function () {
        ui.status.textContent = "cannot load the facts of tile " + t;
      });
    });
    api.map.on("click", function (e) {
      var t = api.tileAtLatLng(e.latlng);
      if (t < 0 || !source.hash || !root.history) return;
      api.facts.tile(t).then(function (f) {
        root.history.replaceState(null, "", "#unit=" + f.unit);
        ui.status.textContent = "link: #unit=" + f.unit;
      });
    });
  }

  /* jumpTo(unit): centre on a unit's first tile, outline it, show its facts. */
  function makeJump(L, api, ui, source) {
    var m = api.manifest;
    var highlight = null;
    return function (unit) {
      if (!(unit >= 0 && unit < m.bank_units && Math.floor(unit) === unit)) {
        ui.status.textContent = "no unit " + unit + " (the bank has " + m.bank_units + ")";
        return Promise.resolve(-1);
      }
      return api.facts.tileOfUnit(unit).then(function (t) {
        if (t < 0) {
          ui.status.textContent = "unit " + unit + " is not shown (not selected)";
          return t;
        }
        var o = api.geometry.origin(t);
        var centre = api.latLngOf(o.x + m.tile_width / 2, o.y + m.tile_height / 2);
        api.map.setView(centre, Math.max(api.map.getZoom(), m.max_zoom), { animate: false });
        if (highlight) highlight.remove();
        var corners = L.latLngBounds(
          api.latLngOf(o.x, o.y + m.tile_height),
          api.latLngOf(o.x + m.tile_width, o.y)
        );
        var style = { color: "#ff8800", weight: 2, fill: false, interactive: false };
        highlight = L.rectangle(corners, style).addTo(api.map);
        ui.status.textContent = "unit " + unit + ": tile " + t;
        if (source.hash && root.history) root.history.replaceState(null, "", "#unit=" + unit);
        return api.facts.tile(t).then(function (f) {
          UI.showFacts(ui, f);
          return t;
        });
      });
    };
  }

  /* The first view: the whole mosaic (site), or the top-left corner pixel for pixel
   * (widget: only a few tiles to make); then #unit=N when the address has one. */
  function startView(api, mapDiv, source) {
    var m = api.manifest;
    if (m.start === "native") {
      var half = api.latLngOf((mapDiv.clientWidth || 800) / 2, (mapDiv.clientHeight || 500) / 2);
      api.map.setView(half, m.max_zoom);
    } else {
      api.map.fitBounds(api.bounds);
    }
    if (!source.hash) return function () {};
    function followHash() {
      var found = /(?:^#|&)unit=(\d+)/.exec(root.location.hash);
      return found ? api.jumpTo(Number(found[1])) : null;
    }
    api.started = followHash();
    root.addEventListener("hashchange", followHash);
    return function () {
      root.removeEventListener("hashchange", followHash);
    };
  }

  /* create(el, source): the viewer in element el. source = {manifest, load(kind, k) ->
   * Promise(payload), tileLayer(L, options) -> layer, hash: bool (follow #unit=N)}. */
  function create(el, source) {
    var L = root.L;
    var m = source.manifest;
    var ui = UI.buildPanel(m);
    var mapDiv = P.element("div", "fasttile-map");
    el.classList.add("fasttile");
    el.appendChild(mapDiv);
    el.appendChild(ui.panel);
    var made = makeMap(L, mapDiv, m);
    var api = { manifest: m, map: made.map, bounds: made.bounds, loading: 0, hovered: null };
    api.geometry = new P.Geometry(m);
    api.facts = new P.Facts(source, m);
    api.latLngOf = function (x, y) {
      return api.map.unproject([x, y], m.max_zoom);
    };
    api.tileAtLatLng = function (latlng) {
      var p = api.map.project(latlng, m.max_zoom);
      return api.geometry.tileAt(p.x, p.y);
    };
    api.tiles = source.tileLayer(L, made.layerOptions).addTo(api.map);
    UI.keepNaturalSize(api.tiles);
    api.tiles.on("loading", function () { api.loading++; });
    api.tiles.on("load", function () { api.loading--; });
    var dead = UI.deadLayer(L, m, api.geometry, api.facts, L.extend({ zIndex: 5 }, made.layerOptions));
    ui.box.addEventListener("change", function () {
      if (ui.box.checked) dead.addTo(api.map);
      else dead.remove();
    });
    api.jumpTo = makeJump(L, api, ui, source);
    ui.form.addEventListener("submit", function (e) {
      e.preventDefault();
      api.jumpTo(Number(ui.input.value));
    });
    wirePointer(api, ui, source);
    var stopHash = startView(api, mapDiv, source);
    // a notebook may show the element after create(): follow its real size
    var resize = root.ResizeObserver
      ? new root.ResizeObserver(function () {
          api.map.invalidateSize({ pan: false });
        })
      : null;
    if (resize) resize.observe(mapDiv);
    api.destroy = function () {
      if (resize) resize.disconnect();
      stopHash();
      api.map.remove();
    };
    root.FasttileViewer.current = api;
    return api;
  }

  root.FasttileViewer = { create: create, current: null };
})(typeof globalThis !== "undefined" ? globalThis : window);
