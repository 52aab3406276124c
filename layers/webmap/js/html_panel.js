// The HTML export's side panel (export_html): a click on the map or on a row of the list
// shows the measure's details as text (never as HTML); a click on a row also moves the map.
// The details and views come from the page's JSON elements #jn-details-data and
// #jn-views-data; d: {heading, folded: the label whose text is folded, or null}.
(function(map, d) {
  var data = JSON.parse(document.getElementById("jn-details-data").textContent);
  var views = JSON.parse(document.getElementById("jn-views-data").textContent);
  function show(id) {
    var rows = data[id]; if (!rows) { return; }
    var box = document.getElementById("jn-details"); box.textContent = "";
    var h = document.createElement("h3"); h.style.margin = "0 0 6px"; h.textContent = d.heading;
    box.appendChild(h);
    rows.forEach(function(r) {
      // The cited notes are English: folded under their label in the Chinese view, as in the app.
      if (r[0] === d.folded) {
        var det = document.createElement("details"); det.style.marginTop = "6px";
        var s = document.createElement("summary"); s.style.fontWeight = "bold"; s.textContent = r[0];
        var t = document.createElement("div"); t.textContent = r[1]; det.appendChild(s); det.appendChild(t);
        box.appendChild(det); return;
      }
      var b = document.createElement("div"); b.style.fontWeight = "bold"; b.style.marginTop = "6px";
      b.textContent = r[0]; var v = document.createElement("div"); v.textContent = r[1];
      box.appendChild(b); box.appendChild(v);
    });
    document.querySelectorAll("#jn-panel li[data-id]").forEach(function(li) {
      li.style.background = li.getAttribute("data-id") === id ? "#ffe8a8" : "";
    });
  }
  function hook(layer) {
    if (layer.feature && layer.feature.properties && layer.feature.properties.id && !layer._jnHooked) {
      layer._jnHooked = true; layer.on("click", function() { show(layer.feature.properties.id); });
    }
  }
  map.eachLayer(hook);
  map.on("layeradd", function(e) { hook(e.layer); });
  document.querySelectorAll("#jn-panel li[data-id]").forEach(function(li) {
    li.addEventListener("click", function() {
      var id = li.getAttribute("data-id"); show(id);
      var v = views[id]; if (v) { map.setView(v[0], v[1]); }
      if (window.jnClusters) { window.jnClusters.select(id); }
    });
  });
});
