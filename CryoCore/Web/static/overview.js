/* Overview: every status value and the newest log rows, both live. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var summaryBox = document.getElementById("summary");
  var errors = 0;
  function showSummary(s) {
    summaryBox.textContent = "";
    [[s.channels + " channels", ""], [s.values + " values", ""],
     [s.stale + " stale", s.stale ? "bad" : "good"],
     [errors + " errors among the newest log rows", errors ? "bad" : "good"]].forEach(function (x) {
      summaryBox.appendChild(CC.el("span", "pill " + x[1], x[0]));
    });
  }
  var status = StatusView(document.getElementById("status"), {compact: true, onTick: showSummary,
                                                               onLoad: showSummary});
  var logs = LogView(document.getElementById("logs"), {limit: 100, max: 100, shortTime: true, onChange: function () {
    errors = document.querySelectorAll("#logs tr.lv-error").length;
  }});
  var filter = document.getElementById("filter");
  filter.addEventListener("input", CC.debounce(function () { status.filter(filter.value); }, 80));
  document.getElementById("closedetail").addEventListener("click", function () {
    document.getElementById("logdetail").hidden = true;
  });
  CC.stream({
    hello: function () { status.reset(); logs.load(); },
    status: status.onRows, grids: status.onGrids, logs: logs.onRows,
    reset: function () { status.reset(); logs.load(); }
  });
});
