// The block form reads its start and end in the chosen asset's city: once an asset is
// chosen, the note beside the inputs names that city's zone, and the admin's "Now" and
// "Today" shortcuts give the city's clock (they read the page's UTC offset when clicked).
// Same-origin, no inline code (the admin's Content-Security-Policy).
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    const picker = document.getElementById("id_asset");
    if (!picker) return;
    let zones = {};
    try {
      zones = JSON.parse(picker.getAttribute("data-zones") || "{}");
    } catch (e) {
      return;
    }
    const follow = function () {
      const zone = zones[picker.value];
      if (!zone) return;
      document.querySelectorAll("[data-zone-label]").forEach(function (note) {
        note.textContent = zone[0];
      });
      document.body.dataset.adminUtcOffset = String(zone[1]);
    };
    picker.addEventListener("change", follow);
    follow();
  });
})();
