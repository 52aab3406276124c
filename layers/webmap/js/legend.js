// The legend, placed by script so it can live in an overlay group (map_layers._LegendControl).
// Its header is a button that folds the legend to "图例 ▸" and opens it again. It starts open
// on a page at least d.open_from_page px wide; a legend drawn again keeps the planner's choice.
// d: {body: the legend's HTML, built in Python from escaped text; heading, expand, collapse:
// the button's text and titles, as text; open_from_page, open_from_frame: widths in px}
(function(map, d) {
  // The app's map is an iframe: its page is window.top, or window.parent when another site
  // frames the app. Null when neither can be read (another origin).
  function pageWidth() {
    var pages = [window.top, window.parent];
    for (var i = 0; i < pages.length; i++) {
      try { return pages[i].innerWidth; } catch { /* another origin: try the next */ }
    }
    return null;
  }
  function startsOpen() {
    var page = pageWidth();
    return page ? page >= d.open_from_page : window.innerWidth >= d.open_from_frame;
  }
  function show(div, open) {
    var button = div.firstChild;
    button.textContent = d.heading + (open ? " ▾" : " ▸");
    button.title = open ? d.collapse : d.expand;
    button.setAttribute("aria-label", button.title);
    button.setAttribute("aria-expanded", String(open));
    div.lastChild.style.display = open ? "" : "none";
    div.setAttribute("data-open", open ? "1" : "0");
  }
  function build() {
    var div = document.createElement("div");
    div.className = "jn-legend";
    div.style.cssText = "position:absolute;z-index:1000;bottom:44px;left:10px;background:#fff;"
        + "padding:4px 6px;border:1px solid #999;border-radius:4px;font:11px sans-serif;"
        + "max-width:230px;opacity:0.92";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "jn-legend-toggle";
    button.style.cssText = "display:block;padding:0;border:0;background:none;color:#333;"
        + "font:bold 11px sans-serif;cursor:pointer";
    var body = document.createElement("div");
    body.className = "jn-legend-body";
    body.innerHTML = d.body;
    div.appendChild(button);
    div.appendChild(body);
    button.addEventListener("click", function() { show(div, div.getAttribute("data-open") !== "1"); });
    // Clicks, presses and the wheel on the legend are the legend's, not the map's.
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  }
  var box = map.getContainer();
  var old = box.querySelector(".jn-legend");
  var open = old ? old.getAttribute("data-open") === "1" : startsOpen();
  if (old) { old.remove(); }
  var legend = build();
  show(legend, open);
  box.appendChild(legend);
});
