/* Midas first-party analytics: time on page (docs/explanation/insights.md).
   Sends {p: path, t: ms visible, l: page load ms (first beacon only)} to this site when the
   page is hidden or left. No cookie, no library, nothing sent anywhere else. */
(function () {
  "use strict";
  if (!navigator.sendBeacon || !window.JSON) { return; }
  var visible = 0;
  var since = document.visibilityState === "visible" ? Date.now() : 0;
  var loadSent = false;

  function loadMs() {
    if (loadSent || !window.performance || !performance.getEntriesByType) { return null; }
    var nav = performance.getEntriesByType("navigation")[0];
    if (!nav || !(nav.loadEventEnd > 0)) { return null; }
    loadSent = true;
    return Math.round(nav.loadEventEnd);
  }

  function send() {
    if (since) { visible += Date.now() - since; since = 0; }
    var body = { p: location.pathname, t: Math.min(Math.round(visible), 21600000) };
    var load = loadMs();
    if (load !== null) { body.l = Math.min(load, 120000); }
    visible = 0;
    navigator.sendBeacon("/insights/beacon", new Blob([JSON.stringify(body)], { type: "text/plain" }));
  }

  // Leaving fires both pagehide and visibilitychange (in either order): one beacon.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { if (since) { send(); } } else { since = Date.now(); }
  });
  window.addEventListener("pagehide", function () { if (since) { send(); } });
})();
