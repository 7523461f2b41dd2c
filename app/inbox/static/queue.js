/* Quartiersmelder inbox – the queue: select all rows, and on small screens keep the filter
 * form folded unless a filter is active. Everything works without this script. */
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters && !filters.dataset.active && window.matchMedia("(max-width: 47.99rem)").matches) {
    filters.open = false;
  }
  var all = document.getElementById("select-all");
  if (!all) {
    return;
  }
  var boxes = function () {
    return document.querySelectorAll("#bulk-form input[name=reference]");
  };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.getElementById("bulk-form").addEventListener("change", function (event) {
    if (event.target.name !== "reference") {
      return;
    }
    var list = Array.prototype.slice.call(boxes());
    var checked = list.filter(function (box) { return box.checked; }).length;
    all.checked = checked === list.length;
    all.indeterminate = checked > 0 && checked < list.length;
  });
})();
