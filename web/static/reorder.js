// The workbench's list of films, reordered by dragging (the ↑ ↓ buttons do the same from
// the keyboard). On drop, the new order goes through the list's hidden form like any
// other edit (action "order"), and htmx swaps in the editor with every rule re-checked.
(function () {
  "use strict";
  var dragged = null;

  function itemOf(target) {
    var item = target && target.closest ? target.closest("ol[data-reorder] > li[data-film-id]") : null;
    return item;
  }

  document.addEventListener("dragstart", function (event) {
    var item = itemOf(event.target);
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.filmId);
    item.classList.add("dragging");
  });

  document.addEventListener("dragover", function (event) {
    var item = itemOf(event.target);
    if (!dragged || !item || item.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    if (item === dragged) return;
    var box = item.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    item.parentNode.insertBefore(dragged, after ? item.nextSibling : item);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var list = dragged.parentNode;
    dragged.classList.remove("dragging");
    dragged = null;
    var form = document.querySelector("form[data-reorder-form]");
    var before = list.dataset.order;
    var ids = Array.prototype.map.call(list.children, function (li) { return li.dataset.filmId; });
    if (!form || ids.join(",") === before) return;
    form.querySelectorAll("input[name=film_ids]").forEach(function (input) { input.remove(); });
    ids.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "film_ids";
      input.value = id;
      form.appendChild(input);
    });
    form.requestSubmit();
  });
})();
