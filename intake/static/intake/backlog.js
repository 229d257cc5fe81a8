// Backlog keyboard: j/k move between rows, x toggles the row's checkbox, Enter opens it.
(function () {
  "use strict";
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-keyboard-rows] tbody tr[data-href]")); }
  function focusRow(i) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r) { r.classList.remove("kbd-current"); });
    all[current].classList.add("kbd-current");
    all[current].focus();
  }
  // Live refresh (htmx polls the rows every minute): skip a poll while the page is hidden,
  // rows are selected or the keyboard cursor is on a row; a fresh set of rows resets it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target || event.target.id !== "backlog-rows") return;
    var active = document.activeElement;
    var busy = document.hidden || (active && event.target.contains(active)) ||
      document.querySelector("#backlog-rows input[name=ids]:checked");
    if (busy) event.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "backlog-rows") current = -1;
  });
  document.addEventListener("keydown", function (event) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || event.ctrlKey || event.metaKey || event.altKey) return;
    var all = rows();
    if (!all.length) return;
    if (event.key === "j") { focusRow(current + 1); event.preventDefault(); }
    else if (event.key === "k") { focusRow(current - 1); event.preventDefault(); }
    else if (event.key === "x" && current >= 0) {
      var box = all[current].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
      event.preventDefault();
    } else if (event.key === "Enter" && current >= 0) {
      window.location = all[current].getAttribute("data-href");
    }
  });
})();
