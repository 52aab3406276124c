// Measures that share a place: one marker with their count, spread on click
// (map_layers._Clusters). d: {clusters: [{ll, m: [[id, html, tooltip], ...]}, ...], hint,
// member_class, cluster_class, cluster_html}. Defines window.jnClusters.select(id).
(function(group, d) {
  var byId = {}, clusterOf = {}, open = null, selected = null;
  var lines = L.layerGroup();
  var members = L.geoJSON(null, {
    pointToLayer: function(f, ll) {
      var m = byId[f.properties.id];
      return L.marker(ll, {zIndexOffset: 1000, icon: L.divIcon({
        className: d.member_class, html: m[1], iconSize: [22, 22], iconAnchor: [11, 11]})});
    },
    onEachFeature: function(f, layer) {
      layer.bindTooltip(function() {
        var div = document.createElement("div");
        div.textContent = byId[f.properties.id][2];  // text, never HTML
        return div;
      }, {sticky: true});
    }
  });
  group.addLayer(lines);
  group.addLayer(members);
  function collapse() { members.clearLayers(); lines.clearLayers(); open = null; }
  function spread(k) {
    var map = group._map;
    members.clearLayers(); lines.clearLayers(); open = k;
    if (!map) { return; }
    var c = d.clusters[k], n = c.m.length;
    var centre = map.latLngToLayerPoint(c.ll);
    var r = Math.max(30, 14 / Math.sin(Math.PI / n));  // neighbours at least 28 px apart
    c.m.forEach(function(m, i) {
      var a = -Math.PI / 2 + 2 * Math.PI * i / n;
      var ll = map.layerPointToLatLng(centre.add(L.point(r * Math.cos(a), r * Math.sin(a))));
      L.polyline([c.ll, ll], {color: "#333", weight: 1.5, interactive: false}).addTo(lines);
      members.addData({type: "Feature", geometry: {type: "Point", coordinates: [ll.lng, ll.lat]},
                       properties: {id: m[0]}});
    });
    members.eachLayer(function(layer) {
      if (layer.feature.properties.id === selected && layer._icon) {
        layer._icon.firstChild.style.outline = "4px solid #ffb000";
        layer._icon.firstChild.style.outlineOffset = "1px";
      }
    });
  }
  d.clusters.forEach(function(c, k) {
    c.m.forEach(function(m) { byId[m[0]] = m; clusterOf[m[0]] = k; });
    var marker = L.marker(c.ll, {icon: L.divIcon({className: d.cluster_class,
      html: d.cluster_html.replace("@N@", String(c.m.length)), iconSize: [28, 28], iconAnchor: [14, 14]})});
    marker.bindTooltip(d.hint.replace("{n}", String(c.m.length)));
    marker.on("click", function() { if (open === k) { collapse(); } else { spread(k); } });
    group.addLayer(marker);
  });
  function relayout() { if (open !== null) { spread(open); } }
  group.on("add", function() {
    group._map.on("zoomend", relayout);
    group._map.on("click", collapse);
    relayout();
  });
  group.on("remove", function(e) {
    if (e.target._map) { e.target._map.off("zoomend", relayout).off("click", collapse); }
  });
  window.jnClusters = {
    select: function(id) {
      selected = id;
      if (id in clusterOf) { spread(clusterOf[id]); }
    }
  };
});
