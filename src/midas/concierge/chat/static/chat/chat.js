/* The live chat panel: no library. The panel asks /chat/state when it is opened (or on every
   page while a conversation is open, to tell the concierge where the visitor is), starts a
   conversation (/chat/start), listens to /chat/events/<id> with EventSource (which resumes
   by itself with Last-Event-ID after a drop or the server's periodic end) and sends lines
   with POST /chat/<id>/say. Nobody on duty: it says so and offers the contact form. */
(function () {
  "use strict";

  var panel = document.getElementById("chat-panel");
  if (!panel || !window.fetch || !window.EventSource) return;
  var KEY = "midas-chat";
  var $ = function (id) { return document.getElementById(id); };
  var box = $("chat-box"), toggle = $("chat-toggle"), lines = $("chat-lines");
  var state = null, source = null, last = 0, seen = {};
  var labels = { waiting: "Waiting for the concierge…", active: "", closed: "This conversation has ended." };

  function remember(on) {
    try { if (on) sessionStorage.setItem(KEY, "1"); else sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }
  function remembered() {
    try { return sessionStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data || {})
    }).then(function (r) {
      if (r.status === 204) return {};
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.message ? body.message : "Please try again.");
        return body;
      });
    });
  }
  function error(text) {
    var el = $("chat-error");
    el.textContent = text || "";
    el.hidden = !text;
  }
  function show(which) {
    $("chat-loading").hidden = which !== "loading";
    $("chat-offline").hidden = which !== "offline";
    $("chat-start").hidden = which !== "start";
    $("chat-talk").hidden = which !== "talk";
  }
  function open() {
    box.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
  }
  function hide() {
    box.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  }

  function add(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    last = Math.max(last, m.id);
    var li = document.createElement("li");
    li.className = "chat-line chat-" + m.author;
    if (m.author === "staff") {
      var who = document.createElement("span");
      who.className = "chat-who";
      who.textContent = m.name || "Concierge";
      li.appendChild(who);
    }
    li.appendChild(document.createTextNode(m.body));
    lines.appendChild(li);
    lines.scrollTop = lines.scrollHeight;
  }

  function listen(conversation) {
    if (source) source.close();
    source = new EventSource(conversation.events + "?after=" + last);
    source.addEventListener("message", function (e) { add(JSON.parse(e.data)); });
    source.addEventListener("status", function (e) {
      var s = JSON.parse(e.data).status;
      $("chat-status").textContent = labels[s] || "";
      if (s === "closed") {
        source.close();
        source = null;
        remember(false);
        $("chat-say").hidden = true;
      }
    });
  }

  function talk(conversation) {
    state.conversation = conversation;
    remember(true);
    $("chat-say").hidden = false;
    show("talk");
    listen(conversation);
  }

  function load() {
    return fetch(panel.getAttribute("data-state"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("unavailable"); return r.json(); })
      .then(function (s) {
        state = s;
        $("chat-who").hidden = s.signed_in;
        $("chat-ticket").href = s.contact;
        if (s.conversation) {
          post(s.conversation.page, { page: location.pathname + location.search }).catch(function () {});
          talk(s.conversation);
        } else {
          remember(false);
          show(s.on_duty ? "start" : "offline");
        }
        return s;
      });
  }

  toggle.addEventListener("click", function () {
    open();
    if (!state) { show("loading"); load().catch(function () { error("The chat is not available just now."); }); }
  });
  $("chat-hide").addEventListener("click", hide);

  $("chat-start").addEventListener("submit", function (e) {
    e.preventDefault();
    error("");
    post(panel.getAttribute("data-start"), {
      name: $("chat-name").value,
      email: $("chat-email").value,
      body: $("chat-first").value,
      page: location.pathname + location.search
    }).then(function (conversation) {
      $("chat-first").value = "";
      talk(conversation);
    }).catch(function (err) { error(err.message); });
  });

  $("chat-say").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("chat-text");
    var value = text.value.trim();
    if (!value || !state || !state.conversation) return;
    error("");
    post(state.conversation.say, { body: value }).then(function () { text.value = ""; })
      .catch(function (err) { error(err.message); });
  });
  $("chat-text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-say").requestSubmit(); }
  });

  $("chat-end").addEventListener("click", function () {
    if (!state || !state.conversation) return;
    post(state.conversation.close, {}).catch(function (err) { error(err.message); });
  });

  // A conversation going on: open it again on this page (and tell the concierge the page).
  if (remembered()) {
    open();
    show("loading");
    load().catch(function () { hide(); });
  }
})();
