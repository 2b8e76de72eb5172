/* The booking pages: the hold's countdown keeps time while the page is open. Every page
   works without this file (the server writes the minutes left). */
(function () {
  "use strict";
  var hold = document.querySelector("[data-hold-until]");
  var left = hold && hold.querySelector("[data-hold-left]");
  if (!left) return;
  var until = Date.parse(hold.getAttribute("data-hold-until"));
  if (isNaN(until)) return;

  function tick() {
    var minutes = Math.ceil((until - Date.now()) / 60000);
    if (minutes <= 0) {
      left.textContent = "the hold is ending";
      hold.classList.add("is-urgent");
      return;
    }
    left.textContent = minutes === 1 ? "1 minute left" : minutes + " minutes left";
    if (minutes < 5) hold.classList.add("is-urgent");
    setTimeout(tick, 15000);
  }
  tick();
})();
