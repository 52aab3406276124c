// The drawing toolbar's words in the map's language (small_maps._DrawWords): Leaflet.draw
// reads them from L.drawLocal when its toolbar and its handlers are made, so this runs
// before the toolbar is added. ``words`` has L.drawLocal's shape; only given keys change.
(function(map, words) {
  function merge(into, from) {
    Object.keys(from).forEach(function(key) {
      if (from[key] !== null && typeof from[key] === "object" && typeof into[key] === "object") {
        merge(into[key], from[key]);
      } else {
        into[key] = from[key];
      }
    });
  }
  if (L.drawLocal) {
    merge(L.drawLocal, words);
  }
});
