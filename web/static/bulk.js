// The catalog list's bulk edit (web/templates/catalog/film_list.html), from a static file
// (the Content-Security-Policy forbids inline scripts):
//  - a "select all" checkbox (data-select-all: the table's header, and the form's own for
//    phones, where the header is hidden) checks or unchecks every film on this page;
//  - the bulk form's count (#bulk-count) says how many films are checked, and the form
//    opens as soon as one is.
// Without JavaScript each film is still checked by hand and the form opened by its summary.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll("#films input[type=checkbox][name=film_id]")
    );
  }

  function update() {
    var all = boxes();
    var checked = all.filter(function (box) { return box.checked; }).length;
    var count = document.getElementById("bulk-count");
    if (count) {
      var words = checked === 0 ? count.dataset.none
        : checked === 1 ? count.dataset.one : count.dataset.many;
      count.textContent = (words || "{n}").replace("{n}", String(checked));
    }
    document.querySelectorAll("[data-select-all]").forEach(function (pageBox) {
      pageBox.checked = all.length > 0 && checked === all.length;
      pageBox.indeterminate = checked > 0 && checked < all.length;
    });
    var form = document.getElementById("bulk-details");
    if (form && checked > 0) form.open = true;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox") return;
    if (target.hasAttribute("data-select-all")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    update();
  });
  // The list is swapped by htmx when filtered or paged: its boxes start unchecked.
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("DOMContentLoaded", update);
})();
