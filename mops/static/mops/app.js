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
  // "Select all" checkboxes: <input type=checkbox data-select-all="name">
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
