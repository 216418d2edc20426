/* Config: the tree of a version, searchable; values editable only on a --read-write
   server by a logged-in user (POST /api/config with the session's CSRF token). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var treeBox = document.getElementById("tree");
  var versionSel = document.getElementById("version");
  var search = document.getElementById("search");
  var msg = document.getElementById("cfgmsg");
  var mode = document.getElementById("mode");
  var current = null, session = null, openDepth = 1;

  function count(node) {
    return 1 + (node.children || []).reduce(function (n, k) { return n + count(k); }, 0);
  }

  function note(text) { msg.hidden = !text; msg.textContent = text || ""; }

  function edit(node, path, valueEl) {
    if (!current.writable || valueEl.querySelector("input")) return;
    var inp = CC.el("input", "edit");
    inp.value = node.value === null ? "" : String(node.value);
    valueEl.textContent = "";
    valueEl.appendChild(inp);
    inp.focus();
    inp.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { valueEl.textContent = fmt(node); }
      if (e.key !== "Enter") return;
      CC.postJSON("/api/config", {path: path, value: inp.value, version: current.version}, session.csrf)
        .then(function (res) {
          node.value = res.value; node.last_modified = res.last_modified;
          valueEl.textContent = fmt(node); note("");
          var when = valueEl.parentNode.querySelector(".modified");
          if (when) when.textContent = CC.fmtTime(res.last_modified, true);
        })
        .catch(function (err) { note("Not saved: " + err.message); inp.focus(); });
    });
  }

  function fmt(node) { return node.value === null || node.value === undefined ? "" : String(node.value); }

  function render(node, path, depth) {
    var li = CC.el("li", node.datatype === "folder" ? "folder" : "leaf");
    li.dataset.path = path;
    li._text = (path + " " + (node.datatype === "folder" ? "" : fmt(node))).toLowerCase();
    var line = CC.el("div", "line");
    line.appendChild(CC.el("span", "name", node.name));
    if (node.datatype === "folder") {
      li.classList.add(depth < openDepth ? "open" : "closed");
      line.addEventListener("click", function () { li.classList.toggle("open"); li.classList.toggle("closed"); });
      line.appendChild(CC.el("span", "kids", (node.children || []).length));
    } else {
      var v = CC.el("span", "value " + node.datatype, fmt(node));
      v.dataset.path = path;
      if (current.writable) { v.classList.add("editable"); v.title = "Click to change"; }
      v.addEventListener("click", function () { edit(node, path, v); });
      line.appendChild(CC.el("span", "eq", "="));
      line.appendChild(v);
      line.appendChild(CC.el("span", "type", node.datatype));
      if (node.last_modified) line.appendChild(CC.el("span", "modified", CC.fmtTime(node.last_modified, true)));
    }
    if (node.comment) line.appendChild(CC.el("span", "comment", node.comment));
    li.appendChild(line);
    if (node.children && node.children.length) {
      var ul = CC.el("ul");
      node.children.forEach(function (k) { ul.appendChild(render(k, path ? path + "." + k.name : k.name, depth + 1)); });
      li.appendChild(ul);
    }
    return li;
  }

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var all = treeBox.querySelectorAll("li");
    all.forEach(function (li) { li.hidden = words.length > 0; li.classList.remove("hit"); });
    if (!words.length) return;
    var hits = 0;
    all.forEach(function (li) {
      if (!words.every(function (w) { return li._text.indexOf(w) >= 0; })) return;
      hits++;
      li.classList.add("hit");
      for (var p = li; p && p !== treeBox; p = p.parentElement) {
        if (p.tagName === "LI") { p.hidden = false; if (p !== li) { p.classList.add("open"); p.classList.remove("closed"); } }
      }
      li.querySelectorAll("li").forEach(function (k) { k.hidden = false; });
    });
    note(hits ? "" : "Nothing matches.");
  }

  function load(version) {
    var q = version ? "?version=" + encodeURIComponent(version) : "";
    return CC.getJSON("/api/config" + q).then(function (res) {
      current = res;
      versionSel.textContent = "";
      res.versions.forEach(function (v) {
        var o = CC.el("option", null, v); o.value = v; versionSel.appendChild(o);
      });
      versionSel.value = res.version || "";
      mode.textContent = res.writable ? "You may change values (Enter saves, Esc cancels)" :
                         (session.read_write ? "Read-only until you log in" : "Read-only server");
      treeBox.textContent = "";
      if (!res.database || !res.tree) { note("No data yet: there is no configuration database."); return; }
      note("");
      openDepth = count(res.tree) <= 300 ? 99 : 1;  // small trees open whole
      var ul = CC.el("ul", "root");
      (res.tree.children || []).forEach(function (k) { ul.appendChild(render(k, k.name, 0)); });
      treeBox.appendChild(ul);
      treeBox.dataset.loaded = "1";
      filter();
    }).catch(function (e) { note("Cannot load the configuration: " + e.message); });
  }

  versionSel.addEventListener("change", function () { load(versionSel.value); });
  search.addEventListener("input", CC.debounce(filter, 120));
  CC.session().then(function (s) { session = s; load(new URLSearchParams(location.search).get("version")); });
});
