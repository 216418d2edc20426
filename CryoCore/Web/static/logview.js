/* The live log table: newest first, errors highlighted, click a row for the whole message. */
"use strict";
var LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"};

function levelName(r) { return r.levelname || LEVEL_NAMES[r.level] || String(r.level); }

function levelClass(level) {
  return level >= 40 ? "lv-error" : level >= 30 ? "lv-warning" : level >= 20 ? "lv-info" : "lv-debug";
}

function LogView(root, opts) {
  opts = opts || {};
  var max = opts.max || 1000;
  var filters = {};
  var seen = {};
  var loaded = false, pending = [];
  var table = CC.el("table", "logs");
  var head = CC.el("thead");
  var hr = CC.el("tr");
  ["Time", "Level", "Logger", "Module:line", "Message"].forEach(function (t) { hr.appendChild(CC.el("th", null, t)); });
  head.appendChild(hr);
  table.appendChild(head);
  var body = CC.el("tbody");
  table.appendChild(body);
  var empty = CC.el("p", "empty", "Loading…");
  root.appendChild(empty);
  root.appendChild(table);

  var detail = document.getElementById("logdetail");

  function show(r) {
    if (!detail) return;
    detail.hidden = false;
    var fields = detail.querySelector(".fields");
    fields.textContent = "";
    [["Time", CC.fmtTime(r.time, true, true)], ["Level", levelName(r)], ["Logger", r.logger],
     ["Module", r.module + ":" + r.line], ["Function", r.func], ["Id", r.id]].forEach(function (f) {
      fields.appendChild(CC.el("dt", null, f[0]));
      fields.appendChild(CC.el("dd", null, f[1] === null || f[1] === undefined ? "" : String(f[1])));
    });
    detail.querySelector("pre").textContent = r.message;
  }

  function rowOf(r) {
    var tr = CC.el("tr", levelClass(r.level));
    tr.dataset.id = r.id;
    tr.appendChild(CC.el("td", "time", CC.fmtTime(r.time, !opts.shortTime, !opts.shortTime)));
    tr.firstChild.title = CC.fmtTime(r.time, true, true);
    tr.appendChild(CC.el("td", "level", levelName(r)));
    tr.appendChild(CC.el("td", "logger", r.logger));
    tr.appendChild(CC.el("td", "where", (r.module || "") + ":" + (r.line === null ? "" : r.line)));
    var msg = r.message || "";
    var first = msg.split("\n")[0];
    var td = CC.el("td", "message", first);
    if (first !== msg) td.appendChild(CC.el("span", "more", " [+" + (msg.split("\n").length - 1) + " lines]"));
    tr.appendChild(td);
    tr.addEventListener("click", function () { show(r); });
    tr._row = r;
    return tr;
  }

  function passes(r) {
    if (filters.level && r.level < filters.level) return false;
    if (filters.logger && r.logger !== filters.logger) return false;
    if (filters.module && r.module !== filters.module) return false;
    if (filters.q && (r.message || "").toLowerCase().indexOf(filters.q.toLowerCase()) < 0) return false;
    return true;
  }

  function add(rows) {  // rows oldest first; newest goes on top
    rows.forEach(function (r) {
      if (seen[r.id] || !passes(r)) return;
      seen[r.id] = true;
      body.insertBefore(rowOf(r), body.firstChild);
    });
    while (body.children.length > max) {
      var last = body.lastChild;
      delete seen[last.dataset.id];
      body.removeChild(last);
    }
    empty.hidden = body.children.length > 0;
    if (opts.onChange) opts.onChange(body.children.length);
  }

  function query() {
    var q = ["limit=" + (opts.limit || 200)];
    Object.keys(filters).forEach(function (k) {
      if (filters[k]) q.push(encodeURIComponent(k) + "=" + encodeURIComponent(filters[k]));
    });
    return "/api/logs?" + q.join("&");
  }

  function load() {
    loaded = false;
    return CC.getJSON(query()).then(function (res) {
      body.textContent = "";
      seen = {};
      add(res.rows);
      add(pending);
      pending = [];
      loaded = true;
      empty.textContent = "No log rows" + (Object.keys(filters).some(function (k) { return filters[k]; }) ?
                                           " match the filters." : " yet.");
      empty.hidden = body.children.length > 0;
      root.dataset.loaded = "1";
    }).catch(function (e) { empty.hidden = false; empty.textContent = "Cannot load logs: " + e.message; });
  }

  function setFilters(f) { filters = f; return load(); }

  function onRows(rows) { if (!loaded) pending = pending.concat(rows); else add(rows); }

  function redraw() {
    Array.prototype.forEach.call(body.children, function (tr) {
      tr.firstChild.textContent = CC.fmtTime(tr._row.time, !opts.shortTime, !opts.shortTime);
    });
  }
  CC.onZone(redraw);

  return {load: load, onRows: onRows, setFilters: setFilters};
}
