/* The notebook widget's source for the viewer (anywidget). It is appended to Leaflet and
 * viewer.js to make one ES module. Tiles and sidecar chunks are asked of Python with
 * model.send({id, kind, ...}); Python answers with a custom message carrying the same
 * id (and a tile's PNG bytes as a buffer), rendered from the bank on demand. */
function fasttileWidgetSource(model) {
  var waiting = {};
  var next = 1;
  function ask(content) {
    return new Promise(function (resolve, reject) {
      content.id = next++;
      waiting[content.id] = { resolve: resolve, reject: reject };
      model.send(content);
    });
  }
  function onMessage(msg, buffers) {
    var w = msg && waiting[msg.id];
    if (!w) return;
    delete waiting[msg.id];
    if (msg.error) w.reject(new Error(msg.error));
    else w.resolve({ msg: msg, buffers: buffers || [] });
  }
  model.on("msg:custom", onMessage);
  var Tiles = globalThis.L.GridLayer.extend({
    createTile: function (coords, done) {
      var img = document.createElement("img");
      ask({ kind: "tile", z: coords.z, x: coords.x, y: coords.y }).then(function (r) {
        var url = URL.createObjectURL(new Blob([r.buffers[0]], { type: "image/png" }));
        img.onload = function () {
          URL.revokeObjectURL(url);
          done(null, img);
        };
        img.src = url;
      }, function (err) {
        done(err, img);
      });
      return img;
    },
  });
  return {
    manifest: model.get("manifest"),
    hash: false,
    load: function (kind, k) {
      return ask({ kind: "chunk", what: kind, k: k }).then(function (r) {
        return r.msg.payload;
      });
    },
    tileLayer: function (L, options) {
      return new Tiles(options);
    },
    close: function () {
      model.off("msg:custom", onMessage);
    },
  };
}

export default {
  render: function (ctx) {
    var source = fasttileWidgetSource(ctx.model);
    ctx.el.style.height = ctx.model.get("height") + "px";
    var viewer = globalThis.FasttileViewer.create(ctx.el, source);
    return function () {
      source.close();
      viewer.destroy();
    };
  },
};
