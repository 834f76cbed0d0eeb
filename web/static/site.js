// What every page does in the browser, from a static file (the Content-Security-Policy
// forbids inline scripts and handlers). Loaded in <head> without defer, so that the "js"
// class is on <html> before the first paint: only then does a phone's navigation fold
// behind its menu button (without JavaScript it stays open, wrapped on several lines).
//  - The menu button (.menu-toggle) opens and closes the header's navigation; Escape closes
//    it and gives the focus back to the button.
//    A count shown in the navigation (a .badge, such as the inbox's) is shown on the button
//    too, so that a folded menu does not hide it.
//  - A button, link or form with data-confirm asks before acting (a destructive action that
//    is not an htmx request; htmx requests use hx-confirm). Cancel and nothing is sent.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setMenu(toggle, open) {
    var header = toggle.closest("header.site");
    if (!header) return;
    header.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var toggle = target.closest(".menu-toggle");
    if (toggle) {
      setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var asking = target.closest("button[data-confirm], a[data-confirm], input[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("header.site .menu-toggle");
    var badge = document.querySelector("header.site nav .badge");
    if (toggle && badge) {
      var copy = badge.cloneNode(true);
      copy.setAttribute("aria-hidden", "true");
      toggle.appendChild(copy);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var toggle = document.querySelector("header.site.menu-open .menu-toggle");
    if (toggle) {
      setMenu(toggle, false);
      toggle.focus();
    }
  });
})();
