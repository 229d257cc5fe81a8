// The request form's error summary: focused when the page comes back with errors (so a
// screen reader reads it first), and each link moves focus into its field, not only the
// scroll position.
(function () {
  "use strict";
  const summary = document.getElementById("submit-errors");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    const link = event.target.closest('a[href^="#"]');
    if (!link) {
      return;
    }
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
