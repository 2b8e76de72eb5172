/* The launch console: a page's live part refreshes itself (the overview's "what matters
   now", the go/no-go page's verdict). The element with data-refresh-url is replaced, every
   data-refresh-seconds, by the HTML fragment the server renders at that URL (/ops/launch/now,
   /ops/launch/gonogo/now). No framework; the page works without this file (reload it by
   hand). */
(function () {
  "use strict";

  var box = document.querySelector("[data-refresh-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-refresh-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  if (seconds < 5) seconds = 5;
  var status = document.getElementById("now-status");
  var timer = null;

  function say(text, stale) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("fail", Boolean(stale));
  }

  function clock() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function busy() {
    // Someone is typing or choosing inside the part: do not pull it from under them.
    var active = document.activeElement;
    return Boolean(active && box.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, seconds * 1000);
  }

  function refresh() {
    if (document.hidden || busy()) {
      schedule();
      return;
    }
    window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.redirected) throw new Error("signed out: reload the page to sign in again");
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      // What someone opened stays open (the go/no-go's reasons) across the swap.
      var open = Array.prototype.map.call(box.querySelectorAll("details[open][data-keep]"), function (d) {
        return d.getAttribute("data-keep");
      });
      box.innerHTML = html;
      open.forEach(function (key) {
        var again = box.querySelector('details[data-keep="' + key + '"]');
        if (again) again.open = true;
      });
      say("Refreshed at " + clock() + ".", false);
    }).catch(function (error) {
      say("Could not refresh at " + clock() + " (" + error.message + "); what you see may be old. Trying again.", true);
    }).then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
  });
  schedule();
})();
