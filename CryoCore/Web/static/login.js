/* Log in, then go back where the user came from. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("loginform");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var msg = document.getElementById("loginmsg");
    msg.textContent = "";
    CC.postJSON("/api/login", {user: form.elements.user.value, password: form.elements.password.value})
      .then(function () {
        var next = new URLSearchParams(location.search).get("next") || "/";
        location.href = next.charAt(0) === "/" && next.charAt(1) !== "/" ? next : "/";
      }).catch(function (err) { msg.textContent = err.message; });
  });
});
