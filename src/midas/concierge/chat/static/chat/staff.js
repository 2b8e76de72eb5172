/* The concierge's chat console made live: the conversation's stream (EventSource on
   /chat/events/<id>), replies sent without leaving the page, and a heartbeat every 20 s that
   keeps this member on duty while the page is open and refreshes the waiting list and the
   visitor's current page. Without this file the page still works (forms, reload). */
(function () {
  "use strict";

  var root = document.getElementById("chat-console");
  if (!root || !window.fetch) return;

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data || {}).forEach(function (k) { body.append(k, data[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body
    });
  }

  // --- the heartbeat ---------------------------------------------------------------------
  var heartbeatUrl = root.getAttribute("data-heartbeat");
  var conversation = root.getAttribute("data-conversation") || "";

  function renderWaiting(list) {
    var ul = document.getElementById("chat-waiting");
    var count = document.getElementById("chat-waiting-count");
    if (!ul) return;
    if (count) count.textContent = String(list.length);
    ul.replaceChildren();
    if (!list.length) {
      var none = document.createElement("li");
      none.className = "chat-muted";
      none.textContent = "Nobody is waiting.";
      ul.appendChild(none);
    }
    list.forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = c.url;
      a.textContent = "#" + c.id + " " + c.name;
      var more = document.createElement("span");
      more.className = "chat-muted";
      more.textContent = " " + (c.page || "");
      li.appendChild(a);
      li.appendChild(more);
      ul.appendChild(li);
    });
  }

  function beat() {
    post(heartbeatUrl, { conversation: conversation }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      renderWaiting(data.waiting || []);
      if (data.conversation) {
        var page = document.getElementById("chat-page");
        if (page && data.conversation.page) {
          page.textContent = data.conversation.page;
          page.href = data.conversation.page;
        }
      }
    }).catch(function () {});
  }
  beat();
  window.setInterval(beat, 20000);

  // --- the conversation ------------------------------------------------------------------
  var lines = document.getElementById("chat-lines");
  if (!lines || !window.EventSource) return;
  var status = document.getElementById("chat-status");
  var labels = { waiting: "Waiting for the concierge", active: "With the concierge", closed: "Closed" };
  var seen = {};
  Array.prototype.forEach.call(lines.querySelectorAll("[data-id]"), function (li) {
    seen[li.getAttribute("data-id")] = true;
  });

  function add(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    var li = document.createElement("li");
    li.className = "chat-line chat-" + m.author;
    li.setAttribute("data-id", m.id);
    var who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = m.author === "staff" ? (m.name || "Concierge") : (m.author === "visitor" ? "Visitor" : "");
    var body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = " " + m.body;
    li.appendChild(who);
    li.appendChild(body);
    lines.appendChild(li);
    lines.scrollTop = lines.scrollHeight;
  }

  var url = lines.getAttribute("data-events") + "?after=" + encodeURIComponent(lines.getAttribute("data-after") || "0");
  var source = new EventSource(url);
  source.addEventListener("message", function (e) { add(JSON.parse(e.data)); });
  source.addEventListener("status", function (e) {
    var s = JSON.parse(e.data).status;
    if (status) status.textContent = labels[s] || s;
    if (s === "closed") {
      source.close();
      var form = document.getElementById("chat-reply");
      if (form) form.hidden = true;
    }
  });
  lines.scrollTop = lines.scrollHeight;

  var form = document.getElementById("chat-reply");
  if (form) {
    var text = document.getElementById("chat-reply-body");
    var error = document.getElementById("chat-reply-error");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = text.value.trim();
      if (!value) return;
      post(form.action, { body: value }).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error(data.message || ("HTTP " + r.status));
          text.value = "";
          error.hidden = true;
        });
      }).catch(function (err) {
        error.textContent = err.message;
        error.hidden = false;
      });
    });
    text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }
})();
