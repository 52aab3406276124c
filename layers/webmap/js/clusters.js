// Measures that share a place: one disc with their count, spread on click
// (map_layers._Clusters). At every zoom, discs of places that would touch are merged into one
// with the summed count, at their members' mean position; a click spreads all its members.
// d: {clusters: [{ll, m: [[id, html, tooltip], ...]}, ...] (one per place), hint,
// member_class, cluster_class, cluster_html}. Defines window.jnClusters.select(id).
(function(group, d) {
  var DISC = 28;  // the disc's diameter in px (map_symbols.CLUSTER_HTML)
  var GAP = 2;  // discs less apart than this touch: they look joined, and whole pixels may close it
  var byId = Object.create(null), placeOf = Object.create(null);
  var discs = [];  // what is drawn now: {p, ll, places: [index into d.clusters], n}
  var openId = null, selected = null;  // the spread disc is the one holding openId
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
  // A feature group passes its discs' clicks on to it, so they reach the app's click handler
  // (bound once to the layers on the map) however often the discs are drawn again.
  var discLayer = L.featureGroup();
  d.clusters.forEach(function(c, k) {
    c.m.forEach(function(m) { byId[m[0]] = m; placeOf[m[0]] = k; });
  });
  group.addLayer(lines);
  group.addLayer(discLayer);
  group.addLayer(members);

  // The two discs nearest each other among those that touch, or null.
  function closestTouching(found) {
    var best = null, nearest = DISC + GAP;
    for (var i = 0; i < found.length; i++) {
      for (var j = i + 1; j < found.length; j++) {
        var dist = found[i].p.distanceTo(found[j].p);
        if (dist < nearest) { best = [i, j]; nearest = dist; }
      }
    }
    return best;
  }
  function joined(a, b) {
    var n = a.n + b.n;
    return {p: a.p.multiplyBy(a.n / n).add(b.p.multiplyBy(b.n / n)), places: a.places.concat(b.places), n: n};
  }
  // Greedy, in layer pixels: join the closest touching pair, then look again (the joined
  // disc has moved), until no two touch.
  function mergeTouching(map) {
    var found = d.clusters.map(function(c, k) {
      return {p: map.latLngToLayerPoint(c.ll), places: [k], n: c.m.length};
    });
    for (var pair = closestTouching(found); pair; pair = closestTouching(found)) {
      found[pair[0]] = joined(found[pair[0]], found[pair[1]]);
      found.splice(pair[1], 1);
    }
    return found;
  }
  function idsOf(disc) {
    return disc.places.flatMap(function(k) {
      return d.clusters[k].m.map(function(m) { return m[0]; });
    });
  }
  function holding(id) {
    return discs.filter(function(disc) { return disc.places.indexOf(placeOf[id]) >= 0; })[0];
  }

  function collapse() { members.clearLayers(); lines.clearLayers(); openId = null; }
  function ringSelected() {
    members.eachLayer(function(layer) {
      if (layer.feature.properties.id === selected && layer._icon) {
        layer._icon.firstChild.style.outline = "4px solid #ffb000";
        layer._icon.firstChild.style.outlineOffset = "1px";
      }
    });
  }
  // The disc's members on a ring around it, each joined by a line to its own place.
  function spread(disc) {
    var map = group._map, ids = idsOf(disc), n = ids.length;
    members.clearLayers(); lines.clearLayers();
    var centre = map.latLngToLayerPoint(disc.ll);
    var r = Math.max(30, 14 / Math.sin(Math.PI / n));  // neighbours at least 28 px apart
    ids.forEach(function(id, i) {
      var a = -Math.PI / 2 + 2 * Math.PI * i / n;
      var ll = map.layerPointToLatLng(centre.add(L.point(r * Math.cos(a), r * Math.sin(a))));
      L.polyline([d.clusters[placeOf[id]].ll, ll], {color: "#333", weight: 1.5, interactive: false}).addTo(lines);
      members.addData({type: "Feature", geometry: {type: "Point", coordinates: [ll.lng, ll.lat]},
                       properties: {id: id}});
    });
    ringSelected();
  }
  function toggle(disc) {
    if (openId !== null && holding(openId) === disc) { collapse(); return; }
    openId = idsOf(disc)[0];
    spread(disc);
  }
  function addDisc(disc) {
    var marker = L.marker(disc.ll, {icon: L.divIcon({className: d.cluster_class,
      html: d.cluster_html.replace("@N@", String(disc.n)), iconSize: [DISC, DISC], iconAnchor: [DISC / 2, DISC / 2]})});
    marker.bindTooltip(d.hint.replace("{n}", String(disc.n)));
    marker.on("click", function() { toggle(disc); });
    discLayer.addLayer(marker);
  }
  // Draw the discs for the current zoom, and spread again the one that was spread.
  function redraw() {
    var map = group._map;
    discLayer.clearLayers();
    discs = mergeTouching(map);
    discs.forEach(function(disc) {
      disc.ll = map.layerPointToLatLng(disc.p);
      addDisc(disc);
    });
    if (openId !== null) { spread(holding(openId)); } else { collapse(); }
  }
  group.on("add", function() {
    group._map.on("zoomend", redraw);
    group._map.on("click", collapse);
    redraw();
  });
  group.on("remove", function(e) {
    if (e.target._map) { e.target._map.off("zoomend", redraw).off("click", collapse); }
  });
  window.jnClusters = {
    select: function(id) {
      selected = id;
      if (!(id in placeOf)) { return; }
      openId = id;
      if (group._map) { spread(holding(id)); }
    }
  };
});
