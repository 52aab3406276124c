// All county names as one non-interactive layer (map_base._Labels).
// d: {labels: [[lat, lon, name], ...], class_name, transform}
(function(group, d) {
  d.labels.forEach(function(l) {
    // The name goes in as text, never as HTML.
    var div = document.createElement("div");
    div.style.cssText = "width:max-content;font:12px sans-serif;color:#444;white-space:nowrap;"
        + d.transform + ";text-shadow:0 0 3px #fff,0 0 3px #fff";
    div.textContent = l[2];
    L.marker([l[0], l[1]], {interactive: false, keyboard: false, icon: L.divIcon({
      className: d.class_name, iconSize: [0, 0], html: div
    })}).addTo(group);
  });
});
