/* Midas The Lifestyle: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  var EXPONENTS = { BHD: 3, JOD: 3, JPY: 0, KRW: 0, KWD: 3, OMR: 3, TND: 3 };
  var UNITS = { hour: "hours", day: "days", night: "nights", trip: "trips" };

  function money(amount, currency) {
    var minor = Number(amount);
    var digits = currency in EXPONENTS ? EXPONENTS[currency] : 2;
    var scale = Math.pow(10, digits);
    var fraction = Math.abs(minor) % scale;
    var text = (minor / scale).toLocaleString("en-US", {
      minimumFractionDigits: fraction ? digits : 0,
      maximumFractionDigits: fraction ? digits : 0
    });
    return currency + " " + text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* "2027-02-06T10:00" -> "Sat 6 Feb 2027, 10:00", as the server writes it. */
  function localLabel(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(value || "");
    if (!m) return value;
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return DAYS[day.getUTCDay()] + " " + (+m[3]) + " " + MONTHS[+m[2] - 1] + " " + m[1] + ", " + m[4];
  }

  /* Dropdowns: Escape and a click elsewhere close them. */
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.dropdown[open], details.menu[open]").forEach(function (d) {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.dropdown[open], details.menu[open]").forEach(function (d) {
      d.removeAttribute("open");
      d.querySelector("summary").focus();
    });
  });

  /* A scrolled row of collection pills shows the current one. */
  var current = document.querySelector(".pills [aria-current]");
  if (current && current.parentNode.parentNode.scrollWidth > current.parentNode.parentNode.clientWidth) {
    current.parentNode.parentNode.scrollLeft = current.parentNode.offsetLeft - 20;
  }

  /* Photos below the fold show their tiny blurred placeholder until they load (set from
     here: the CSP allows no style attribute in the markup). */
  Array.prototype.forEach.call(document.querySelectorAll("img[data-placeholder]"), function (img) {
    if (img.complete) return;
    img.style.backgroundImage = 'url("' + img.getAttribute("data-placeholder") + '")';
    img.style.backgroundSize = "cover";
    img.addEventListener("load", function () { img.style.backgroundImage = ""; }, { once: true });
  });

  /* The quote form: live prices from the API, the server's page as the fallback. */
  var form = document.querySelector("[data-quote-form]");
  if (!form) return;
  var box = document.getElementById("quote-result");
  var timer = null;
  var sequence = 0;

  function params() {
    var data = new FormData(form);
    return {
      asset: form.getAttribute("data-asset"),
      start: data.get("start") || "",
      end: data.get("end") || "",
      location: data.get("location") || null,
      extras: data.getAll("extras"),
      guests: data.get("guests") ? Number(data.get("guests")) : null
    };
  }

  function pageUrl(p) {
    var query = new URLSearchParams(new FormData(form));
    return form.getAttribute("action").split("#")[0] + "?" + query.toString();
  }

  function markInvalid(field) {
    ["location", "start", "end", "guests", "origin", "destination", "return_at"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input) return;
      if (name === field) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "quote-error");
      } else {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    });
  }

  function showError(message, field) {
    markInvalid(field);
    var text = message.charAt(0).toUpperCase() + message.slice(1);
    box.replaceChildren(el("div", { class: "alert", role: "alert", id: "quote-error" }, [
      el("p", {}, [el("strong", { text: "We could not price that." }), document.createTextNode(" " + text + ".")])
    ]));
  }

  function render(q, p) {
    markInvalid(null);
    var cur = q.currency;
    var loc = form.querySelector("[name=location]");
    var city = loc ? loc.options[loc.selectedIndex].text.replace(" (delivered)", "") : "";
    var rows = (q.lines || []).map(function (line) {
      var head = el("th", { scope: "row", text: line.label });
      if (line.quantity > 1) {
        head.appendChild(el("span", { class: "line-detail", text: line.quantity + " \u00d7 " + money(line.unit_amount, cur) }));
      }
      return el("tr", { class: "line-" + line.kind }, [head, el("td", { text: money(line.amount, cur) })]);
    });
    var table = el("table", { class: "quote-lines" }, [
      el("caption", { class: "visually-hidden", text: "Price breakdown" }),
      el("tbody", {}, rows),
      el("tfoot", {}, [el("tr", { class: "line-total" }, [
        el("th", { scope: "row", text: "Total" }), el("td", { text: money(q.total, cur) })
      ])])
    ]);
    var units = q.units + " " + (q.units === 1 ? q.unit : (UNITS[q.unit] || q.unit + "s"));
    var nodes = [
      el("div", { class: "quote-summary" }, [
        el("p", { class: "quote-when", text: localLabel(p.start) + " \u2192 " + localLabel(p.end) }),
        el("p", { class: "quote-where", text: units + (city ? " in " + city : "") }),
        q.available
          ? el("p", { class: "availability is-available", text: "\u2713 Available for these times" })
          : el("p", { class: "availability is-taken", text: "\u2717 Already booked for part of these times. See the calendar for free dates." })
      ]),
      table
    ];
    if (q.perks && q.perks.length) { /* the signed-in customer's service tier */
      nodes.push(el("ul", { class: "quote-perks" }, q.perks.map(function (perk) {
        return el("li", { text: perk });
      })));
    }
    if (q.security_deposit) {
      nodes.push(el("p", { class: "deposit" }, [
        document.createTextNode("Security deposit "),
        el("strong", { text: money(q.security_deposit, cur) }),
        el("span", { text: "held on your card, not charged, and released after return" })
      ]));
    }
    var cta = document.querySelector("template[data-quote-cta]");
    box.replaceChildren.apply(box, nodes);
    if (q.available && cta) {
      var extra = cta.content.cloneNode(true);
      var link = extra.querySelector("a[data-mail]");
      var subject = link.getAttribute("data-name") + " in " + city + ", " + localLabel(p.start) +
        " to " + localLabel(p.end) + " (" + (p.extras.join(", ") || "no extras") + ")";
      link.href = "mailto:" + link.getAttribute("data-mail") + "?subject=" + encodeURIComponent(subject);
      var book = extra.querySelector("form[data-book]");
      if (book) { /* the Book button carries the quoted fields to the checkout page */
        new FormData(form).forEach(function (value, name) {
          if (name !== "month") book.insertBefore(el("input", { type: "hidden", name: name, value: value }), book.firstChild);
        });
      }
      box.appendChild(extra);
    }
  }

  function fromPage(p, mine) {
    return fetch(pageUrl(p), { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== sequence) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("quote-result");
        var invalid = doc.querySelector("[data-quote-form] [aria-invalid=true]");
        markInvalid(invalid ? invalid.getAttribute("name") : null);
        if (fresh) box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
      });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function update() {
    var p = params();
    if (form.hasAttribute("data-trip")) { /* a jet's route: the server's page prices it */
      if (!p.start) return;
      var trip = ++sequence;
      box.classList.add("is-loading");
      history.replaceState(null, "", pageUrl(p) + "#quote");
      fromPage(p, trip).catch(function () { if (trip === sequence) form.submit(); })
        .then(function () { if (trip === sequence) box.classList.remove("is-loading"); });
      return;
    }
    if (!p.start || !p.end) return;
    var mine = ++sequence;
    box.classList.add("is-loading");
    history.replaceState(null, "", pageUrl(p) + "#quote");
    fetch("/api/v1/quotes", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(p)
    }).then(function (r) {
      var json = (r.headers.get("Content-Type") || "").indexOf("json") !== -1;
      if (!json || r.status >= 500) throw new Error("no api");
      return r.json().then(function (body) {
        if (mine !== sequence) return;
        if (r.ok && body && body.lines && body.total !== undefined) render(body, p);
        else if (!r.ok && body && typeof body.message === "string") showError(body.message, body.field);
        else throw new Error("unexpected answer");
      });
    }).catch(function () {
      return fromPage(p, mine);
    }).catch(function () {
      if (mine === sequence) form.submit();
    }).then(function () {
      if (mine === sequence) box.classList.remove("is-loading");
    });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  }

  form.addEventListener("change", soon);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    update();
  });

  /* Calendar days become buttons that fill the start, then the end. */
  var start = form.querySelector("[name=start]");
  var end = form.querySelector("[name=end]");
  document.querySelectorAll(".cal td.is-free, .cal td.is-partial").forEach(function (cell) {
    var num = cell.querySelector(".day-num");
    var label = cell.querySelector(".visually-hidden");
    var button = el("button", { type: "button", class: "day-num day-pick", text: num.textContent });
    button.setAttribute("aria-label", "Choose " + num.textContent + (label ? label.textContent : ""));
    cell.replaceChild(button, num);
    if (label) cell.removeChild(label);
    button.addEventListener("click", function () {
      var date = cell.getAttribute("data-date");
      var time = function (input) { return (input.value && input.value.slice(11, 16)) || "10:00"; };
      if (!start.value || (start.value && end.value)) {
        start.value = date + "T" + time(start);
        end.value = "";
        end.focus();
      } else {
        var value = date + "T" + time(end.value ? end : start);
        if (value <= start.value) { end.value = start.value; start.value = value; } else { end.value = value; }
        soon();
      }
    });
  });
})();
