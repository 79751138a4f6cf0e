/* Inbox: a reply template picked in the conversation fills the reply box, to be adapted. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.getElementById("reply-template"), box = document.getElementById("reply-body");
    if (!picker || !box) return;
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (!option || !option.value) return;
      box.value = option.getAttribute("data-body");
      box.dispatchEvent(new Event("input"));
      box.focus();
    });
  });
})();
