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
  // Interview: in a theme, 1-4 pick the score and 0 "ne sait pas"; focus moves to the
  // next theme, so a whole interview is typed as a few digits.
  var themes = Array.prototype.slice.call(document.querySelectorAll("fieldset.theme"));
  themes.forEach(function (set, i) {
    set.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.altKey || ev.metaKey || !/^[0-4]$/.test(ev.key)) { return; }
      var radio = set.querySelector('input[data-score="' + ev.key + '"]');
      if (!radio) { return; }
      ev.preventDefault(); ev.stopPropagation();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", {bubbles: true}));
      var next = themes[i + 1];
      var target = next ? (next.querySelector("input:checked") || next.querySelector("input")) : document.getElementById("declined");
      (target || radio).focus();
    });
  });
  // "Annuler" is only offered for a minute (the server refuses it after that anyway).
  document.querySelectorAll("form.undo[data-undo-seconds]").forEach(function (form) {
    setTimeout(function () { form.hidden = true; }, 1000 * parseInt(form.getAttribute("data-undo-seconds"), 10));
  });
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
