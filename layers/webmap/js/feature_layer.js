// One styled GeoJSON layer drawn from a compact payload (map_layers._FeatureLayer).
// d: {mode, style, id, xy | geom, icon?, n?, tip?, labels?, highlight?}
(function(group, d) {
  var feats = [];
  for (var j = 0; j < d.id.length; j++) {
    var g = d.xy ? {type: "Point", coordinates: [d.xy[2 * j], d.xy[2 * j + 1]]} : d.geom[j];
    feats.push({type: "Feature", geometry: g, properties: {id: d.id[j]}, _i: j});
  }
  var gj;
  var opts = {style: function() { return d.style; }};
  if (d.mode === "circle") {
    opts.pointToLayer = function(f, ll) { return L.circleMarker(ll, d.style); };
  } else if (d.mode === "marker") {
    var icon = L.divIcon(d.icon);
    opts.pointToLayer = function(f, ll) {
      if (!d.n) { return L.marker(ll, {icon: icon}); }
      // A numbered marker: the number (an integer) goes into the icon's slot.
      var n = d.n[f._i];
      var html = d.icon.html.replace("@N@", String(n)).replace("@F@", n < 100 ? "12px" : n < 1000 ? "10px" : "8px");
      return L.marker(ll, {icon: L.divIcon(Object.assign({}, d.icon, {html: html}))});
    };
  }
  if (d.tip || d.highlight) {
    opts.onEachFeature = function(f, layer) {
      var i = f._i;
      if (d.tip) {
        layer.bindTooltip(function() {
          var box = document.createElement("div");
          d.tip[i].forEach(function(text, k) {
            var line = document.createElement("div");
            if (k === 0) { line.style.fontWeight = "bold"; }
            line.textContent = (d.labels[k] ? d.labels[k] + ": " : "") + text;
            box.appendChild(line);
          });
          return box;
        }, {sticky: true});
      }
      if (d.highlight && layer.setStyle) {
        layer.on("mouseover", function() { layer.setStyle(d.highlight); });
        layer.on("mouseout", function() { gj.resetStyle(layer); });
      }
    };
  }
  gj = L.geoJSON({type: "FeatureCollection", features: feats}, opts);
  gj.addTo(group);
});
