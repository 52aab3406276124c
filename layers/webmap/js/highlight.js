// The selected measure, ringed (mapping._Highlight). d: {id, colour, ll?, geom?}
(function(group, d) {
  if (d.geom) {
    L.geoJSON(d.geom, {interactive: false, style: function() {
      return {color: d.colour, weight: 7, opacity: 0.7, fill: false};
    }}).addTo(group);
  }
  if (d.ll) {
    L.circleMarker(d.ll, {radius: 17, color: d.colour, weight: 4, fill: false, interactive: false}).addTo(group);
  }
  if (window.jnClusters) { window.jnClusters.select(d.id); }
});
