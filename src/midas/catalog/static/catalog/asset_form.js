// The asset form follows its category and home city as staff choose them: only the chosen
// category's specification fields and kinds are shown, and amounts carry the city's
// currency. Same-origin, no inline code (the admin's Content-Security-Policy).
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function json(element, name) {
    try {
      return JSON.parse(element.getAttribute(name) || "{}");
    } catch (e) {
      return {};
    }
  }
  ready(function () {
    const category = document.getElementById("id_category");
    const home = document.getElementById("id_home_location");
    const kinds = document.getElementById("id_subcategory");
    if (category) {
      const slugs = json(category, "data-category-slugs");
      const allKinds = kinds ? json(kinds, "data-subcategories") : {};
      const showCategory = function () {
        const slug = slugs[category.value] || "";
        document.querySelectorAll("fieldset.spec-group").forEach(function (set) {
          // no category yet: no specifications to ask
          set.classList.toggle("hidden", !set.classList.contains("spec-" + slug));
        });
        if (kinds && slug && allKinds[slug]) {
          const current = kinds.value;
          kinds.replaceChildren(new Option("—", ""));
          allKinds[slug].forEach(function (pair) {
            kinds.add(new Option(pair[1], pair[0], false, pair[0] === current));
          });
        }
      };
      category.addEventListener("change", showCategory);
      showCategory();
    }
    if (home) {
      const currencies = json(home, "data-currencies");
      const showCurrency = function () {
        const code = currencies[home.value];
        if (!code) return;
        document.querySelectorAll("input[data-money]").forEach(function (input) {
          const label = input.parentNode.querySelector("[data-before]");
          if (label) label.textContent = code;
          input.title = code;
        });
      };
      home.addEventListener("change", showCurrency);
      showCurrency();
    }
  });
})();
