/* CryoCore dashboard: what every page shares (data only ever becomes text, never HTML). */
"use strict";
var CC = (function () {
  var utc = localStorage.getItem("cc.utc") === "1";
  var tzListeners = [];
  var offset = 0;  // server clock minus browser clock (s)

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
        return body;
      }, function () { throw new Error("HTTP " + r.status); });
    });
  }

  function postJSON(url, body, csrf) {
    var headers = {"Content-Type": "application/json"};
    if (csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers,
                       body: JSON.stringify(body)}).then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) throw new Error(b.error || ("HTTP " + r.status));
        return b;
      });
    });
  }

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; }

  /* Epoch seconds as text, in the browser's zone or UTC (the toggle in the header). */
  function fmtTime(ts, withDate, ms) {
    if (ts === null || ts === undefined) return "";
    var d = new Date(ts * 1000);
    var p = utc ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(),
                   d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
                : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(),
                   d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
    var t = pad(p[3]) + ":" + pad(p[4]) + ":" + pad(p[5]) + (ms ? "." + pad(p[6], 3) : "");
    return (withDate ? p[0] + "-" + pad(p[1]) + "-" + pad(p[2]) + " " : "") + t +
           (withDate && utc ? "Z" : "");
  }

  function fmtAge(s) {
    if (s < 0) s = 0;
    if (s < 10) return s.toFixed(1) + " s";
    if (s < 120) return Math.round(s) + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    if (s < 172800) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  }

  function now() { return Date.now() / 1000 + offset; }
  function setServerTime(t) { if (t) offset = t - Date.now() / 1000; }
  function isUTC() { return utc; }
  function onZone(fn) { tzListeners.push(fn); }

  var liveDot = null;
  function setLive(state, why) {
    if (!liveDot) return;
    liveDot.className = "live " + state;
    liveDot.title = why || state;
    liveDot.textContent = state === "on" ? "● live" : (state === "off" ? "● offline" : "● …");
  }

  /* Server-sent events: handlers by event name; `hello` comes first on every (re)connect. */
  function stream(handlers) {
    var es = new EventSource("/api/stream");
    Object.keys(handlers).forEach(function (name) {
      es.addEventListener(name, function (e) { handlers[name](JSON.parse(e.data)); });
    });
    es.addEventListener("hello", function (e) {
      setServerTime(JSON.parse(e.data).time); setLive("on", "connected");
    });
    es.addEventListener("problem", function (e) { setLive("off", JSON.parse(e.data).message); });
    es.onerror = function () { setLive("off", "reconnecting"); };
    return es;
  }

  var session = null;
  function getSession() {
    if (!session) session = getJSON("/api/session");
    return session;
  }

  function header() {
    var path = location.pathname;
    document.querySelectorAll("header.top nav a").forEach(function (a) {
      if (a.getAttribute("href") === path) a.classList.add("here");
    });
    liveDot = document.getElementById("live");
    var tz = document.getElementById("tz");
    if (tz) {
      var show = function () {
        tz.textContent = utc ? "UTC" : "Local time";
        tz.title = "Times are shown in " + (utc ? "UTC" : "the browser's zone") + "; click to switch";
      };
      show();
      tz.addEventListener("click", function () {
        utc = !utc; localStorage.setItem("cc.utc", utc ? "1" : "0"); show();
        tzListeners.forEach(function (fn) { fn(); });
      });
    }
    var who = document.getElementById("who");
    if (who) getSession().then(function (s) {
      who.textContent = "";
      if (s.user) {
        who.appendChild(el("span", "user", s.user));
        var out = el("button", "link", "Log out");
        out.addEventListener("click", function () {
          postJSON("/api/logout", {}, s.csrf).then(function () { location.reload(); });
        });
        who.appendChild(out);
      } else if (s.logins) {
        var a = el("a", null, "Log in");
        a.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
        who.appendChild(a);
      }
    }).catch(function () {});
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  document.addEventListener("DOMContentLoaded", header);
  return {el: el, getJSON: getJSON, postJSON: postJSON, fmtTime: fmtTime, fmtAge: fmtAge,
          now: now, setServerTime: setServerTime, isUTC: isUTC, onZone: onZone, stream: stream,
          session: getSession, debounce: debounce, setLive: setLive};
})();
