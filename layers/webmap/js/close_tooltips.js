// A click closes every open tooltip (map_base._CloseTooltipsOnClick). Leaflet opens a
// layer's tooltip on a click as well and keeps it while the mouse stays on the layer. This
// listener is added after Leaflet's own, so it runs after the layers' click handlers.
// Until the mouse moves, no tooltip opens again: the app may draw its layers anew after a
// click, and the browser then reports the mouse as entering the new layer under it (at the
// same place, where a real move has new coordinates).
(function(map) {
  var box = map.getContainer(), clickedAt = null;
  function closeAll() {
    var open = [];
    map.eachLayer(function(layer) {
      if (layer instanceof L.Tooltip) { open.push(layer); }
    });
    open.forEach(function(tooltip) { tooltip.close(); });
  }
  box.addEventListener("click", function(e) {
    clickedAt = [e.clientX, e.clientY];
    closeAll();
  });
  function moved(e) {
    if (clickedAt && (e.clientX !== clickedAt[0] || e.clientY !== clickedAt[1])) { clickedAt = null; }
  }
  // In the capture phase: before Leaflet's own listener sees the mouse enter a layer.
  box.addEventListener("mouseover", moved, true);
  box.addEventListener("mousemove", moved, true);
  box.addEventListener("keydown", function() { clickedAt = null; });
  map.on("tooltipopen", function(e) {
    // After Leaflet has finished opening it (the event comes from inside that).
    if (clickedAt) { queueMicrotask(function() { e.tooltip.close(); }); }
  });
});
