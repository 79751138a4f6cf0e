// Courtesy calls: one key per outcome on the queue and the call sheet.
// Keys 1-7 press the outcome button of the selected queue row (or of the sheet);
// arrow keys move between rows; Enter opens the call sheet.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function currentRow() {
    var el = document.activeElement;
    return el ? el.closest("tr[data-task-id]") : null;
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-task-id]"));
  var sheet = document.querySelector("form[data-calls-sheet]");
  if (rows.length && !currentRow()) { rows[0].focus({preventScroll: true}); }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || typing(document.activeElement)) { return; }
    var row = currentRow();
    var scope = row || (sheet && !rows.length ? sheet : null);
    if (rows.length && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
      var i = row ? rows.indexOf(row) : -1;
      var next = rows[Math.max(0, Math.min(rows.length - 1, i + (ev.key === "ArrowDown" ? 1 : -1)))];
      if (next) { next.focus(); ev.preventDefault(); }
      return;
    }
    if (row && ev.key === "Enter" && ev.target === row) { window.location = row.dataset.sheet; return; }
    if (!scope) { return; }
    var button = scope.querySelector('button[data-key="' + ev.key + '"]');
    if (button) { ev.preventDefault(); button.click(); }
  });
})();
