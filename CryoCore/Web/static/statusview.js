/* The live status table: one card per channel, one row per value (data-param="Channel:name"). */
"use strict";
function StatusView(root, opts) {
  opts = opts || {};
  var params = {};      // "Channel:name" -> {ts, value, expires, row, v, age, channel}
  var channels = {};    // channel -> {card, body, count, rows}
  var words = [];
  var loaded = false;
  var pending = [];     // stream rows that came before the snapshot
  var cardsBox = CC.el("div", "cards" + (opts.compact ? " compact" : ""));
  var empty = CC.el("p", "empty", "Loading…");
  root.appendChild(empty);
  root.appendChild(cardsBox);

  function channelOf(name) {
    var ch = channels[name];
    if (ch) return ch;
    var card = CC.el("section", "card");
    card.dataset.channel = name;
    var h = CC.el("h2");
    h.appendChild(CC.el("span", "cname", name));
    var count = CC.el("span", "count");
    h.appendChild(count);
    card.appendChild(h);
    var table = CC.el("table", "values");
    var body = CC.el("tbody");
    table.appendChild(body);
    card.appendChild(table);
    ch = channels[name] = {card: card, body: body, count: count, n: 0, name: name};
    var names = Object.keys(channels).sort();
    var next = names[names.indexOf(name) + 1];
    cardsBox.insertBefore(card, next ? channels[next].card : null);
    return ch;
  }

  function addRow(key, channel, name) {
    var ch = channelOf(channel);
    var row = CC.el("tr", "param");
    row.title = key + " (click for its trend)";
    row.appendChild(CC.el("td", "pname", name));
    var td = CC.el("td", "pval");
    var v = CC.el("span", "v");
    v.dataset.param = key;
    td.appendChild(v);
    row.appendChild(td);
    var age = CC.el("td", "age");
    row.appendChild(age);
    row.addEventListener("click", function () {
      location.href = "/trends?param=" + encodeURIComponent(key);
    });
    // keep rows in name order
    var before = null, rows = ch.body.children;
    if (rows.length && rows[rows.length - 1].dataset.name > name) {
      for (var i = 0; i < rows.length; i++) if (rows[i].dataset.name > name) { before = rows[i]; break; }
    }
    row.dataset.name = name;
    ch.body.insertBefore(row, before);
    ch.n += 1;
    ch.count.textContent = ch.n;
    var p = params[key] = {ts: null, value: null, expires: null, row: row, v: v, age: age,
                           channel: ch, text: key.toLowerCase(), ageText: ""};
    applyFilter(p);
    return p;
  }

  function set(channel, name, ts, value, expires, flash) {
    var key = channel + ":" + name;
    var p = params[key] || addRow(key, channel, name);
    if (p.ts !== null && ts < p.ts) return;  // older than what is shown
    p.expires = expires === undefined ? null : expires;
    p.ts = ts;
    if (p.value !== value) {
      p.value = value;
      p.v.textContent = value;
      if (value && value.length > 40) p.v.title = value;
      if (flash) {
        p.row.classList.remove("changed");
        void p.row.offsetWidth;
        p.row.classList.add("changed");
      }
    }
    tickOne(p, CC.now());
  }

  function setGrid(g) {
    var key = g.channel + ":" + g.name;
    var p = params[key] || addRow(key, g.channel, g.name);
    var cellsText = JSON.stringify(g.cells);
    if (p.cellsText === cellsText) return;  // unchanged
    var changed = p.cellsText !== undefined;
    p.cellsText = cellsText;
    p.ts = g.timestamp;
    if (changed) {
      p.row.classList.remove("changed");
      void p.row.offsetWidth;
      p.row.classList.add("changed");
    }
    p.row.classList.add("gridrow");
    var box = CC.el("table", "grid");
    var wide = g.cells.length && g.cells[0].length > 16;
    g.cells.forEach(function (cells) {
      var tr = CC.el("tr");
      cells.forEach(function (c) {
        var td = CC.el("td", null, wide || c === null ? "" : String(c));
        var shade = c === null ? 255 : 255 - Math.round(c * 0.6);
        td.style.backgroundColor = c === null ? "#fff" : "rgb(" + shade + "," + shade + ",255)";
        td.title = c === null ? "no value" : String(c);
        tr.appendChild(td);
      });
      box.appendChild(tr);
    });
    p.v.textContent = "";
    p.v.appendChild(box);
    p.v.title = g.cells.length + " rows";
    tickOne(p, CC.now());
  }

  function tickOne(p, now) {
    if (p.ts === null) return;
    var a = CC.fmtAge(now - p.ts);
    if (a !== p.ageText) { p.ageText = a; p.age.textContent = a; }
    var stale = p.expires !== null && p.expires !== undefined && now > p.expires;
    if (stale !== p.stale) {
      p.stale = stale;
      p.row.classList.toggle("stale", stale);
      p.age.title = stale ? "stale: expired at " + CC.fmtTime(p.expires, true) :
                            "updated " + CC.fmtTime(p.ts, true, true);
    }
  }

  function tick() {
    var now = CC.now();
    for (var key in params) tickOne(params[key], now);
    if (opts.onTick) opts.onTick(summary());
  }

  function summary() {
    var n = 0, stale = 0, shown = 0;
    for (var key in params) {
      n++;
      if (params[key].stale) stale++;
      if (!params[key].hidden) shown++;
    }
    return {values: n, stale: stale, shown: shown, filtered: words.length > 0,
            channels: Object.keys(channels).length};
  }

  function matches(p) {
    for (var i = 0; i < words.length; i++) if (p.text.indexOf(words[i]) < 0) return false;
    return true;
  }

  function applyFilter(p) {
    var hide = words.length > 0 && !matches(p);
    if (hide !== p.hidden) { p.hidden = hide; p.row.hidden = hide; }
  }

  function filter(text) {
    words = text.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = {};
    for (var key in params) {
      var p = params[key];
      applyFilter(p);
      if (!p.hidden) shown[p.channel.name] = true;
    }
    for (var name in channels) channels[name].card.hidden = !shown[name];
    if (opts.onTick) opts.onTick(summary());
  }

  function load() {
    return CC.getJSON("/api/latest").then(function (snap) {
      CC.setServerTime(snap.time);
      snap.values.forEach(function (r) { set(r.channel, r.name, r.timestamp, r.value, r.expires); });
      snap.grids.forEach(setGrid);
      loaded = true;
      pending.forEach(function (r) { set(r[2], r[3], r[1], r[4], r[5], true); });
      pending = [];
      empty.hidden = snap.values.length + snap.grids.length > 0;
      empty.textContent = "No data yet: values appear here as programs set them.";
      root.dataset.loaded = "1";
      if (opts.onLoad) opts.onLoad(summary());
    }).catch(function (e) { empty.hidden = false; empty.textContent = "Cannot load status: " + e.message; });
  }

  function onRows(rows) {
    if (!loaded) { pending = pending.concat(rows); return; }
    rows.forEach(function (r) { set(r[2], r[3], r[1], r[4], r[5], true); });
    if (rows.length) empty.hidden = true;
  }

  function reset() {
    loaded = false;
    return load();
  }

  setInterval(tick, 1000);
  function onGrids(grids) { if (loaded) grids.forEach(setGrid); }

  return {load: load, onRows: onRows, onGrids: onGrids, filter: filter, reset: reset,
          summary: summary};
}
