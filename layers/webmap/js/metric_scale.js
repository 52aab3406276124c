// Leaflet's scale bar in kilometres only (map_base._MetricScale).
(function(map) {
  L.control.scale({imperial: false, metric: true}).addTo(map);
});
