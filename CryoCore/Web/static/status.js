/* Status page: every channel and value, live; filter box; click a value for its trend. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var counts = document.getElementById("counts");
  function showCounts(s) {
    counts.textContent = s.channels + " channels · " + s.values + " values" +
                         (s.stale ? " · " + s.stale + " stale" : "") +
                         (s.filtered ? " · " + s.shown + " shown" : "");
  }
  var view = StatusView(document.getElementById("status"), {onTick: showCounts, onLoad: showCounts});
  var filter = document.getElementById("filter");
  var q = new URLSearchParams(location.search).get("q");
  if (q) filter.value = q;
  var apply = function () { view.filter(filter.value); };
  filter.addEventListener("input", CC.debounce(apply, 80));
  CC.stream({
    hello: function () { view.reset().then(apply); },
    status: view.onRows, grids: view.onGrids,
    reset: function () { view.reset().then(apply); }
  });
});
