/* Logs page: the newest rows, live, filtered by level, logger, module and text. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("logfilters");
  var view = LogView(document.getElementById("logs"), {max: 5000});
  var params = new URLSearchParams(location.search);
  ["level", "logger", "module", "q", "limit"].forEach(function (k) {
    if (params.get(k)) form.elements[k].value = params.get(k);
  });
  function filters() {
    var f = {};
    ["level", "logger", "module", "q"].forEach(function (k) { f[k] = form.elements[k].value.trim(); });
    f.level = {DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50}[f.level] || "";
    return f;
  }
  function apply() {
    var f = filters();
    var u = new URLSearchParams();
    ["level", "logger", "module", "q", "limit"].forEach(function (k) {
      if (form.elements[k].value.trim()) u.set(k, form.elements[k].value.trim());
    });
    history.replaceState(null, "", "/logs" + (u.toString() ? "?" + u : ""));
    view.setFilters(f);
  }
  form.addEventListener("input", CC.debounce(apply, 200));
  form.addEventListener("change", CC.debounce(apply, 50));
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  document.getElementById("closedetail").addEventListener("click", function () {
    document.getElementById("logdetail").hidden = true;
  });
  CC.getJSON("/api/logs?limit=1&facets=1").then(function (res) {
    [["loggers", res.loggers], ["modules", res.modules]].forEach(function (x) {
      var list = document.getElementById(x[0]);
      (x[1] || []).forEach(function (name) { var o = CC.el("option"); o.value = name; list.appendChild(o); });
    });
  }).catch(function () {});
  // subscribe first, then load (on every (re)connect): no row falls between the two
  CC.stream({logs: view.onRows, reset: apply, hello: apply});
});
