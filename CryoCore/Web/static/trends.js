/* Trends: one chart per parameter, one bucket per pixel (min/max band, mean line),
   drag to zoom, pan, live tail for recent ranges, CSV of the shown range. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("trendform");
  var input = document.getElementById("params");
  var rangeSel = document.getElementById("range");
  var live = document.getElementById("livetail");
  var chartsBox = document.getElementById("charts");
  var url = new URLSearchParams(location.search);
  var state = {params: url.getAll("param"), span: 3600, since: null, until: null};
  var charts = {};   // param -> {box, plot, note}
  var timer = null, busy = false;

  if (url.get("since") && url.get("until")) {
    state.since = +url.get("since"); state.until = +url.get("until"); state.span = null;
  } else if (url.get("range")) {
    state.span = +url.get("range");
  }
  input.value = state.params.join(", ");
  if (state.span) rangeSel.value = String(state.span);
  if (!rangeSel.value) rangeSel.value = "custom";

  CC.getJSON("/api/channels").then(function (res) {
    var list = document.getElementById("paramlist");
    res.channels.forEach(function (c) {
      c.parameters.forEach(function (n) { var o = CC.el("option"); o.value = c.channel + ":" + n; list.appendChild(o); });
    });
  }).catch(function () {});

  function window_() {
    if (state.span) { var now = CC.now(); return [now - state.span, now]; }
    return [state.since, state.until];
  }

  function toInput(ts) {  // datetime-local text of ts in the shown zone
    var s = CC.fmtTime(ts, true).replace(" ", "T").replace("Z", "");
    return s;
  }
  function fromInput(text) {
    if (!text) return null;
    return (CC.isUTC() ? Date.parse(text + "Z") : new Date(text).getTime()) / 1000;
  }

  function saveURL() {
    var u = new URLSearchParams();
    state.params.forEach(function (p) { u.append("param", p); });
    if (state.span) u.set("range", state.span);
    else { u.set("since", state.since.toFixed(3)); u.set("until", state.until.toFixed(3)); }
    history.replaceState(null, "", "/trends?" + u);
  }

  function setCustom(since, until) {
    state.span = null; state.since = since; state.until = until;
    rangeSel.value = "custom";
    document.getElementById("custom").hidden = false;
    document.getElementById("from").value = toInput(since);
    document.getElementById("to").value = toInput(until);
    refresh(true);
  }

  function chartFor(param) {
    var c = charts[param];
    if (c) return c;
    var box = CC.el("section", "chart");
    box.dataset.param = param;
    var title = CC.el("h2");
    var a = CC.el("a", null, param);
    a.href = "/status?q=" + encodeURIComponent(param);
    title.appendChild(a);
    var note = CC.el("span", "note");
    title.appendChild(note);
    box.appendChild(title);
    var area = CC.el("div", "plot");
    box.appendChild(area);
    chartsBox.appendChild(box);
    c = charts[param] = {box: box, area: area, note: note, plot: null};
    return c;
  }

  function makePlot(c, width) {
    var opts = {
      width: width, height: 260,
      fmtDate: function (tpl) {  // 24-hour clock and ISO dates
        return uPlot.fmtDate(tpl.replace("{h}:{mm}:{ss}{aa}", "{HH}:{mm}:{ss}")
          .replace("{h}:{mm}{aa}", "{HH}:{mm}").replace("{h}{aa}", "{HH}:00")
          .replace("{M}/{D}/{YY}", "{YYYY}-{MM}-{DD}").replace("{M}/{D}", "{MM}-{DD}"));
      },
      tzDate: CC.isUTC() ? function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); } : undefined,
      cursor: {drag: {x: true, y: false, setScale: false}, sync: {key: "cc"}},
      scales: {x: {time: true}},
      legend: {live: true},
      series: [
        {label: CC.isUTC() ? "UTC" : "time", value: function (u, v) { return v === null ? "" : CC.fmtTime(v, true); }},
        {label: "mean", stroke: "#1f5fbf", width: 1.5, spanGaps: false, points: {show: false}},
        {label: "min", stroke: "rgba(31,95,191,0.35)", width: 0.5, points: {show: false}},
        {label: "max", stroke: "rgba(31,95,191,0.35)", width: 0.5, points: {show: false}}
      ],
      bands: [{series: [3, 2], fill: "rgba(31,95,191,0.15)"}],
      axes: [{}, {size: 70}],
      hooks: {setSelect: [function (u) {
        if (u.select.width < 4) return;
        var a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
        u.setSelect({left: 0, top: 0, width: 0, height: 0}, false);
        live.checked = false;
        setCustom(a, b);
      }]}
    };
    c.area.textContent = "";
    c.plot = new uPlot(opts, [[], [], [], []], c.area);
  }

  function load(param, since, until) {
    var c = chartFor(param);
    var width = Math.max(300, chartsBox.clientWidth - 20);
    if (!c.plot || c.plot.width !== width) makePlot(c, width);
    var n = Math.max(10, Math.round(c.plot.bbox.width / (window.devicePixelRatio || 1)));
    var started = performance.now();
    return CC.getJSON("/api/history?param=" + encodeURIComponent(param) + "&since=" + since.toFixed(3) +
                      "&until=" + until.toFixed(3) + "&buckets=" + n).then(function (res) {
      var xs = [], mean = [], lo = [], hi = [], width = (until - since) / n, prev = null, points = 0, rows = 0;
      res.buckets.forEach(function (b) {
        rows += b.count;
        if (b.mean === null) return;
        if (prev !== null && b.t0 - prev > 1.5 * width) { xs.push((prev + b.t0) / 2); mean.push(null); lo.push(null); hi.push(null); }
        xs.push((b.t0 + b.t1) / 2); mean.push(b.mean); lo.push(b.min); hi.push(b.max);
        prev = b.t1; points++;
      });
      c.plot.batch(function () {
        c.plot.setData([xs, mean, lo, hi], false);
        c.plot.setScale("x", {min: since, max: until});
      });
      c.box.dataset.points = points;
      c.box.dataset.buckets = n;
      c.box.dataset.ms = Math.round(performance.now() - started);
      c.note.textContent = rows ? rows.toLocaleString() + " rows in " + points + " buckets" +
                           (points ? "" : " (no numeric values)") : "no data in this range";
      c.box.classList.remove("failed");
    }).catch(function (e) {
      c.note.textContent = e.message; c.box.classList.add("failed");
      c.box.dataset.points = 0;
    });
  }

  function refresh(fromUser) {
    if (busy && !fromUser) return;
    state.params = input.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    Object.keys(charts).forEach(function (p) {
      if (state.params.indexOf(p) < 0) { chartsBox.removeChild(charts[p].box); delete charts[p]; }
    });
    if (!state.params.length) {
      chartsBox.textContent = "";
      chartsBox.appendChild(CC.el("p", "empty", "Choose one or more parameters (Channel:name) above, or click a value on the Status page."));
      return;
    }
    var emptyNote = chartsBox.querySelector("p.empty");
    if (emptyNote) chartsBox.removeChild(emptyNote);
    var w = window_();
    saveURL();
    var csv = new URLSearchParams();
    state.params.forEach(function (p) { csv.append("param", p); });
    csv.set("since", w[0].toFixed(3)); csv.set("until", w[1].toFixed(3)); csv.set("format", "csv");
    document.getElementById("csv").href = "/api/history?" + csv;
    busy = true;
    chartsBox.dataset.loading = "1";
    Promise.all(state.params.map(function (p) { return load(p, w[0], w[1]); })).then(function () {
      busy = false;
      chartsBox.dataset.loading = "";
      chartsBox.dataset.drawn = (+chartsBox.dataset.drawn || 0) + 1;
      schedule();
    });
  }

  function schedule() {
    clearTimeout(timer);
    if (live.checked && state.span && state.span <= 7 * 86400) {
      timer = setTimeout(function () { refresh(false); },
                         Math.min(30000, Math.max(1000, state.span * 1000 / 400)));
    }
  }

  rangeSel.addEventListener("change", function () {
    if (rangeSel.value === "custom") { var w = window_(); setCustom(w[0], w[1]); return; }
    document.getElementById("custom").hidden = true;
    state.span = +rangeSel.value; live.checked = true; refresh(true);
  });
  ["from", "to"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function () {
      var a = fromInput(document.getElementById("from").value), b = fromInput(document.getElementById("to").value);
      if (a !== null && b !== null && b > a) setCustom(a, b);
    });
  });
  function pan(f) { var w = window_(), d = (w[1] - w[0]) * f; live.checked = false; setCustom(w[0] + d, w[1] + d); }
  document.getElementById("back").addEventListener("click", function () { pan(-0.5); });
  document.getElementById("fwd").addEventListener("click", function () { pan(0.5); });
  document.getElementById("zoomout").addEventListener("click", function () {
    var w = window_(), d = (w[1] - w[0]) / 2; live.checked = false; setCustom(w[0] - d, w[1] + d);
  });
  live.addEventListener("change", function () {
    CC.setLive(live.checked ? "on" : "wait");
    if (live.checked && !state.span) {
      state.span = Math.max(600, Math.round(state.until - state.since));
      rangeSel.value = [600, 3600, 21600, 86400, 604800, 2592000, 31536000].indexOf(state.span) >= 0 ?
                       String(state.span) : "3600";
      state.span = +rangeSel.value;
      document.getElementById("custom").hidden = true;
    }
    refresh(true);
  });
  input.addEventListener("change", function () { refresh(true); });
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(true); });
  window.addEventListener("resize", CC.debounce(function () { refresh(true); }, 300));
  CC.onZone(function () {
    Object.keys(charts).forEach(function (p) { charts[p].plot = null; });
    refresh(true);
  });
  if (rangeSel.value === "custom" && state.since !== null) setCustom(state.since, state.until);
  else refresh(true);
  CC.setLive(live.checked ? "on" : "wait");
});
