// The legend, placed by script so it can live in an overlay group (map_layers._LegendControl).
// d: {body: the legend's HTML, built in Python from escaped text}
(function(map, d) {
  var box = map.getContainer();
  var old = box.querySelector(".jn-legend");
  if (old) { old.remove(); }
  var div = document.createElement("div");
  div.className = "jn-legend";
  div.style.cssText = "position:absolute;z-index:1000;bottom:44px;left:10px;background:#fff;"
      + "padding:4px 6px;border:1px solid #999;border-radius:4px;font:11px sans-serif;"
      + "max-width:230px;opacity:0.92";
  div.innerHTML = d.body;
  box.appendChild(div);
});
