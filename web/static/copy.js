// A "Copier" button next to a read-only field copies the field's text (a private link):
// <button type="button" data-copy="FIELD-ID" data-copied="…" data-failed="…">. The field is
// selected either way, so a browser that refuses the clipboard still leaves one keystroke to
// do. What happened is said in the button's .copy-status sibling (a live region). No inline
// script: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function copyBySelection() {
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target ? target.closest("button[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    var copied = button.getAttribute("data-copied");
    var failed = button.getAttribute("data-failed");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(button, copied); },
        function () { say(button, copyBySelection() ? copied : failed); }
      );
    } else {
      say(button, copyBySelection() ? copied : failed);
    }
  });
})();
