/* Tables become cards on phones (style.css, max-width 640px): each cell needs the name of
   its column, taken here from the table's header so that no template repeats it. */
(function () {
  "use strict";
  function label(table) {
    var heads = table.querySelectorAll("thead tr:last-child th");
    if (!heads.length) return;
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.replace(/\s+/g, " ").trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && names[i]) cell.setAttribute("data-label", names[i]);
      });
    });
  }
  function all() { document.querySelectorAll("main table").forEach(label); }
  document.addEventListener("DOMContentLoaded", all);
  // Rows added later (live campaign failures) get their labels too.
  window.crmLabelTables = all;
})();
