/* The photos panel on an asset's admin page (midas.catalog.photos.admin): upload by drag and
   drop or the file picker, several at once (one request each, in turn), alt text, order
   (drag, or the buttons), cover, delete. Every change is saved at once through the panel's
   JSON endpoints; nothing here is part of the asset's form. */
(function () {
  "use strict";

  if (document.readyState === "loading") {  // the admin loads its media in <head>
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var panel = document.querySelector(".photo-panel");
    if (!panel) return;
    var base = panel.getAttribute("data-photos-url");
    var list = panel.querySelector("[data-photo-list]");
    var status = panel.querySelector("[data-photo-status]");
    var drop = panel.querySelector("[data-photo-drop]");
    var input = panel.querySelector("[data-photo-input]");
    var photos = [];
    var dragged = null;

    function csrf() {
      var field = document.querySelector("[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("photo-error", !!isError);
    }

    function call(url, options) {
      options = options || {};
      options.credentials = "same-origin";
      options.headers = options.headers || {};
      options.headers["X-CSRFToken"] = csrf();
      options.headers.Accept = "application/json";
      return fetch(url, options).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var problem = new Error(data.message || "The server answered " + response.status + ".");
            problem.code = data.code;
            throw problem;
          }
          return data;
        });
      });
    }

    function post(path, data) {
      return call(base + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(data || {})
      });
    }

    function el(tag, attrs, text) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
      if (text) node.textContent = text;
      return node;
    }

    function button(label, action, disabled) {
      var b = el("button", { type: "button", class: "button photo-" + action }, label);
      b.setAttribute("data-action", action);
      if (disabled) b.disabled = true;
      return b;
    }

    function render(items) {
      photos = items;
      list.textContent = "";
      items.forEach(function (photo, index) {
        var item = el("li", { class: "photo-card", draggable: "true" });
        item.setAttribute("data-id", photo.id);
        var thumb = el("img", { src: photo.thumb, alt: "", width: "160", height: String(Math.round(160 * photo.height / photo.width)) });
        var fieldId = "photo-alt-" + photo.id;
        var label = el("label", { for: fieldId }, "Alt text (what the photo shows)");
        var alt = el("input", { id: fieldId, type: "text", maxlength: "200", value: photo.alt });
        alt.setAttribute("data-alt", "");
        var badge = el("p", { class: "photo-badge" + (photo.published ? "" : " photo-hidden") },
          (index === 0 ? "Cover · " : "") + (photo.published ? "Shown on the site" : "Hidden until it has alt text"));
        var actions = el("div", { class: "photo-actions" });
        actions.appendChild(button("Save alt text", "alt"));
        actions.appendChild(button("Make cover", "cover", index === 0));
        actions.appendChild(button("Move earlier", "earlier", index === 0));
        actions.appendChild(button("Move later", "later", index === items.length - 1));
        actions.appendChild(button("Delete", "delete"));
        [thumb, badge, label, alt, actions].forEach(function (n) { item.appendChild(n); });
        list.appendChild(item);
      });
    }

    function refresh() {
      return call(base).then(function (data) { render(data.photos); });
    }

    function upload(files) {
      files = Array.prototype.filter.call(files, function (f) { return f && f.size !== undefined; });
      if (!files.length) return;
      var done = 0;
      var failed = [];
      var chain = Promise.resolve();
      files.forEach(function (file, n) {
        chain = chain.then(function () {
          say("Uploading " + (n + 1) + " of " + files.length + ": " + file.name + "…");
          var form = new FormData();
          form.append("file", file, file.name);
          return call(base + "upload/", { method: "POST", body: form }).then(function (data) {
            done += 1;
            render(data.photos);
          }, function (problem) {
            failed.push(file.name + ": " + problem.message);
          });
        });
      });
      chain.then(function () {
        var text = done + " of " + files.length + " photo" + (files.length === 1 ? "" : "s") + " uploaded.";
        if (done) text += " Give each its alt text to show it on the site.";
        if (failed.length) text += " Not uploaded: " + failed.join(" ");
        say(text, failed.length > 0);
        if (input) input.value = "";
      });
    }

    function order(ids) {
      return post("order/", { order: ids }).then(function (data) {
        render(data.photos);
        say("Order saved.");
      });
    }

    function idsWithout(id) {
      return photos.map(function (p) { return p.id; }).filter(function (pk) { return pk !== id; });
    }

    list.addEventListener("click", function (event) {
      var target = event.target.closest("button[data-action]");
      if (!target) return;
      var item = target.closest(".photo-card");
      var id = Number(item.getAttribute("data-id"));
      var index = photos.findIndex(function (p) { return p.id === id; });
      var action = target.getAttribute("data-action");
      var work;
      if (action === "alt") {
        work = post(id + "/alt/", { alt: item.querySelector("[data-alt]").value }).then(function () {
          say("Alt text saved: the photo is shown on the site.");
          return refresh();
        });
      } else if (action === "cover") {
        work = post(id + "/cover/").then(function (data) { render(data.photos); say("Cover set."); });
      } else if (action === "earlier" || action === "later") {
        var ids = idsWithout(id);
        ids.splice(action === "earlier" ? index - 1 : index + 1, 0, id);
        work = order(ids);
      } else if (action === "delete") {
        if (!window.confirm("Delete this photo? This cannot be undone.")) return;
        work = post(id + "/delete/").then(function (data) { render(data.photos); say("Photo deleted."); });
      }
      work.then(function () {
        var again = list.querySelector('[data-id="' + id + '"] [data-action="' + action + '"]');
        if (again && !again.disabled) again.focus();
      }, function (problem) { say(problem.message, true); });
    });

    // Enter in an alt field saves it (and never submits the asset's form)
    list.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.hasAttribute("data-alt")) {
        event.preventDefault();
        event.target.closest(".photo-card").querySelector('[data-action="alt"]').click();
      }
    });

    // reorder by dragging a photo onto another
    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest(".photo-card");
      if (!item) return;
      dragged = Number(item.getAttribute("data-id"));
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", String(dragged));
    });
    list.addEventListener("dragover", function (event) {
      if (dragged !== null && event.target.closest(".photo-card")) event.preventDefault();
    });
    list.addEventListener("drop", function (event) {
      var item = event.target.closest(".photo-card");
      if (dragged === null || !item) return;
      event.preventDefault();
      event.stopPropagation();
      var onto = Number(item.getAttribute("data-id"));
      var moving = dragged;
      dragged = null;
      if (onto === moving) return;
      var ids = idsWithout(moving);
      ids.splice(photos.findIndex(function (p) { return p.id === onto; }), 0, moving);
      order(ids).catch(function (problem) { say(problem.message, true); });
    });
    list.addEventListener("dragend", function () { dragged = null; });

    // files dropped on the drop zone, or chosen with the picker
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        if (dragged !== null) return;
        event.preventDefault();
        drop.classList.add("photo-drop-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("photo-drop-over"); });
    });
    drop.addEventListener("drop", function (event) {
      if (dragged !== null) return;
      event.preventDefault();
      upload(event.dataTransfer.files);
    });
    if (input) input.addEventListener("change", function () { upload(input.files); });

    refresh().catch(function (problem) { say(problem.message, true); });
  }
})();
