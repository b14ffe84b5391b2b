/* The static site's source for the viewer: the pyramid's tiles as image files and the
 * sidecar as script files (a page opened from file:// may load scripts, not fetch JSON).
 * Each sidecar file calls FasttileSite.chunk(kind, k, payload); manifest.js calls
 * FasttileSite.manifest(geometry), which starts the viewer. */
(function (root) {
  "use strict";
  var waiting = {};

  function load(kind, k) {
    var key = kind + ":" + k;
    return new Promise(function (resolve, reject) {
      waiting[key] = resolve;
      var script = document.createElement("script");
      script.src = kind + "/" + k + ".js";
      script.onerror = function () {
        delete waiting[key];
        reject(new Error("cannot load " + script.src));
      };
      script.onload = function () {
        document.head.removeChild(script); // its data is kept by the viewer's cache
      };
      document.head.appendChild(script);
    });
  }

  function tileLayer(L, options) {
    return L.tileLayer("tiles/{z}/{x}/{y}." + root.FasttileSite.format, options);
  }

  root.FasttileSite = {
    format: "png",
    chunk: function (kind, k, payload) {
      var key = kind + ":" + k;
      var resolve = waiting[key];
      delete waiting[key];
      if (resolve) resolve(payload);
    },
    manifest: function (m) {
      root.FasttileSite.format = m.format;
      document.title = (m.title ? m.title + " - " : "") + "fasttile"; // a text property, not HTML
      root.FasttileViewer.create(document.getElementById("fasttile"), {
        manifest: m,
        load: load,
        tileLayer: tileLayer,
        hash: true,
      });
    },
  };
})(window);
