// Scroll the list beside the map to a row (app.py, after a click on the map selected a
// measure): the row is brought into view in the grid's own scroller, centred when it was
// out of view. d: {row, row_px, selector}. The grid may still be drawing when this runs: it
// retries for up to two seconds.
(function(d) {
  var tries = 0;
  function scroll() {
    var grid = document.querySelector(d.selector);
    var scroller = grid && grid.querySelector(".dvn-scroller");
    if (!scroller || scroller.scrollHeight <= scroller.clientHeight) {
      if (++tries < 40) { window.setTimeout(scroll, 50); }
      return;
    }
    var top = d.row * d.row_px, view = scroller.clientHeight - d.row_px;  // below the header
    if (top < scroller.scrollTop || top + d.row_px > scroller.scrollTop + view) {
      scroller.scrollTop = Math.max(0, top - (view - d.row_px) / 2);
    }
  }
  scroll();
});
