/* Inbox: a reply template picked in the conversation fills the reply box, to be adapted.
   On wide screens the list beside the conversation scrolls to the conversation open, so the
   list does not jump back to its top at each choice (everything works without this file). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var current = document.querySelector(".inbox-items [aria-current='true']");
    var list = document.querySelector(".inbox-split.has-panel > .inbox-list");
    if (current && list && window.matchMedia("(min-width: 1024px)").matches) {
      // The part of the list inside the window (its bottom may be below it until the page scrolls).
      var shown = list.getBoundingClientRect(), bottom = Math.min(shown.bottom, window.innerHeight);
      var item = current.parentNode.getBoundingClientRect();
      if (item.top < shown.top || item.bottom > bottom) {
        list.scrollTop += item.top - shown.top - (bottom - shown.top) / 3;
      }
      // The end of a long list cannot come higher: the page goes down a little instead.
      if (current.parentNode.getBoundingClientRect().bottom > window.innerHeight) {
        current.parentNode.scrollIntoView({block: "nearest"});
      }
    }
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
