// Focus the map on a mouse press without scrolling the page (map_base._FocusWithoutScroll).
(function(map) {
  var kb = map.keyboard;
  if (!kb) { return; }
  kb.disable();
  kb._onMouseDown = function() {
    if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
  };
  kb.enable();
});
