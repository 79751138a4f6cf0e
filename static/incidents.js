/* Declaration form: filter the estate picker by residence name (the list works without it). */
(function () {
  "use strict";
  var input = document.getElementById("estate-filter");
  if (!input) return;
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  input.addEventListener("input", function () {
    var q = fold(input.value.trim());
    document.querySelectorAll("#estate details[data-residence]").forEach(function (box) {
      box.hidden = q !== "" && fold(box.getAttribute("data-residence")).indexOf(q) < 0;
    });
  });
})();
