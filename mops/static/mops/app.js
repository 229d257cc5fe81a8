// mops: small progressive enhancements; pages work without JavaScript.
(function () {
  "use strict";
  // Keyboard: "/" focuses the first search box on the page.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      var search = document.querySelector("input[type=search], input[name=q]");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });
  // Navigation menus (<details data-navgroup>): one open at a time; Escape or a click
  // elsewhere closes them. Without JavaScript they still open and close on their own.
  var navGroups = function () { return document.querySelectorAll("details[data-navgroup]"); };
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-navgroup]") || !opened.open) return;
    navGroups().forEach(function (other) { if (other !== opened) other.open = false; });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    navGroups().forEach(function (group) {
      if (!group.open) return;
      group.open = false;
      if (group.contains(document.activeElement)) group.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    navGroups().forEach(function (group) {
      if (group.open && !group.contains(event.target)) group.open = false;
    });
  });
  // Destructive buttons say what they do before doing it: <button data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  }, true);
  // "Select all" checkboxes: <input type=checkbox data-select-all="name">
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
