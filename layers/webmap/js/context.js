// Water, town and county seats, neighbours' names and the city outline, under the measures
// (map_base._ContextLayer). c: {water, city, towns, seats, neighbours, water_names,
// label_zoom, attribution}
(function(map, c) {
  function pane(name, z) {
    if (!map.getPane(name)) {
      map.createPane(name);
      map.getPane(name).style.zIndex = z;
      map.getPane(name).style.pointerEvents = "none";
    }
    return name;
  }
  var under = pane("jn-context", 350), names = pane("jn-context-names", 450);
  L.geoJSON(c.water, {pane: under, interactive: false, style: function(f) {
    return f.properties.k === "lake"
      ? {color: "#6a9fcf", weight: 1, fillColor: "#b7d6f0", fillOpacity: 0.85}
      : {color: "#5b93c9", weight: f.properties.k === "canal" ? 2.4 : 2, opacity: 0.9};
  }}).addTo(map);
  // 市界: a pale band under a dash with two dots, as on the printed maps.
  L.geoJSON(c.city, {pane: under, interactive: false,
    style: {color: "#e8cfcf", weight: 7, opacity: 0.9, fill: false}}).addTo(map);
  L.geoJSON(c.city, {pane: under, interactive: false,
    style: {color: "#333", weight: 2.2, dashArray: "10 3 1.5 3 1.5 3", fill: false}}).addTo(map);
  function label(lat, lon, text, css) {
    var div = document.createElement("div");
    // max-content: the element is as wide as its text, so -50% centres it and its box is the text's.
    div.style.cssText = "width:max-content;white-space:nowrap;transform:translate(-50%,-50%);" + css;
    div.textContent = text;  // names go in as text, never as HTML
    return L.marker([lat, lon], {pane: names, interactive: false, keyboard: false,
      icon: L.divIcon({className: "jn-context-label", iconSize: [0, 0], html: div})});
  }
  c.towns.forEach(function(t) {
    L.circleMarker([t[0], t[1]], {pane: under, radius: 2.2, color: "#777", weight: 1,
      fillColor: "#fff", fillOpacity: 1, interactive: false}).addTo(map);
  });
  c.seats.forEach(function(t) {
    L.circleMarker([t[0], t[1]], {pane: under, radius: 3.5, color: "#333", weight: 1,
      fillColor: "#333", fillOpacity: 1, interactive: false}).addTo(map);
  });
  c.water_names.forEach(function(t) {
    label(t[0], t[1], t[2], "font:italic 12px sans-serif;color:#2f6ea5;text-shadow:0 0 3px #fff").addTo(map);
  });
  c.neighbours.forEach(function(t) {
    label(t[0], t[1], t[2], "font:12px sans-serif;color:#999;text-shadow:0 0 3px #fff").addTo(map);
  });
  // Town names from c.label_zoom on, placed greedily so that no two overlap and none
  // covers a county name (towns before streets, which crowd the urban centres).
  var townNames = L.layerGroup().addTo(map);
  var measure = document.createElement("canvas").getContext("2d");
  function width(text, font) { measure.font = font; return measure.measureText(text).width; }
  function place() {
    townNames.clearLayers();
    if (map.getZoom() < c.label_zoom) { return; }
    var boxes = c.seats.map(function(t) {
      var p = map.latLngToContainerPoint([t[0], t[1]]);
      return [p.x - 5, p.y - 9, p.x + 9 + width(t[2], "12px sans-serif"), p.y + 9];
    });
    var size = map.getSize(), frame = map.getContainer().getBoundingClientRect();
    // Nor under the map's own boxes (zoom buttons, scale bar, attribution, legend) or a measure.
    map.getContainer().querySelectorAll(".leaflet-control, .jn-legend, .leaflet-marker-icon:not(.jn-context-label)").forEach(function(el) {
      var r = el.getBoundingClientRect();
      boxes.push([r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]);
    });
    c.towns.forEach(function(t) {
      var p = map.latLngToContainerPoint([t[0], t[1]]);
      var w = width(t[2], "11px sans-serif") + 4;
      var b = [p.x - w / 2, p.y + 3, p.x + w / 2, p.y + 17];
      if (b[0] < 0 || b[1] < 0 || b[2] > size.x || b[3] > size.y) { return; }  // never cut at the edge
      var hit = boxes.some(function(o) { return b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]; });
      if (hit) { return; }
      boxes.push(b);
      label(t[0], t[1], t[2], "font:11px sans-serif;color:#555;margin-top:10px;text-shadow:0 0 3px #fff").addTo(townNames);
    });
  }
  map.on("zoomend moveend", place);
  // The measures arrive after the base map (and change with the filters): place again then.
  var pending = null;
  map.on("layeradd", function(e) {
    if (e.layer.options && e.layer.options.pane === names) { return; }  // our own names
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function() { pending = null; place(); }, 50);
  });
  place();
  if (map.attributionControl) {
    map.attributionControl.addAttribution(c.attribution);
    map.attributionControl.getContainer().style.fontSize = "10px";
  }
});
