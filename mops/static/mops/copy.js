// Copy buttons: <button type="button" data-copy="#target"> copies the target's value (an
// input) or its text, then says "Copied" for a moment. One listener on the document, so
// buttons inside htmx-swapped parts work too. No inline script (the CSP forbids it).
(function () {
  "use strict";

  function textOf(target) {
    return target.matches("input, textarea") ? target.value : target.textContent.trim();
  }

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (error) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function confirm(button, ok) {
    if (!button.dataset.label) {
      button.dataset.label = button.textContent;
    }
    button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
    button.setAttribute("aria-live", "polite");
    window.setTimeout(function () {
      button.textContent = button.dataset.label;
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    const target = document.querySelector(button.dataset.copy);
    if (!target) {
      return;
    }
    const text = textOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { confirm(button, true); },
        function () { confirm(button, fallbackCopy(text)); }
      );
    } else {
      confirm(button, fallbackCopy(text));
    }
    if (target.matches("input, textarea")) {
      target.select();
    }
  });
})();
