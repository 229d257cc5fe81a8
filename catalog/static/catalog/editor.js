// The input-definition editor: add, remove and reorder fields of the formset (buttons,
// keyboard accessible), keep ORDER inputs and the condition key list in step.
(function () {
  "use strict";

  function init() {
    var list = document.getElementById("def-list");
    if (!list) return;
    var form = list.closest("form");
    var total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    var template = document.getElementById("def-empty");
    var status = document.getElementById("def-status");
    var keys = document.getElementById("definition-keys");

    function say(text) { if (status) status.textContent = text; }

    function cards() {
      return Array.prototype.filter.call(list.children, function (c) {
        return c.matches("[data-def-card]") && !c.hidden;
      });
    }

    function renumber() {
      cards().forEach(function (card, i) {
        var order = card.querySelector('input[name$="-ORDER"]');
        if (order) order.value = String(i + 1);
        var num = card.querySelector(".def-num");
        if (num) num.textContent = (i + 1) + ".";
      });
      refreshKeys();
    }

    function refreshKeys() {
      var names = [];
      list.querySelectorAll('input[name$="-key"]').forEach(function (input) {
        if (input.value && !input.closest("[data-def-card]").hidden) names.push(input.value);
      });
      if (keys) {
        keys.innerHTML = "";
        names.forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          keys.appendChild(option);
        });
      }
      // Condition pick-lists offer the other fields of the form, keeping each choice.
      list.querySelectorAll("select[data-def-cond]").forEach(function (select) {
        var card = select.closest("[data-def-card]");
        var own = card && card.querySelector('input[name$="-key"]');
        var current = select.value;
        select.innerHTML = "";
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = "—";
        select.appendChild(blank);
        names.forEach(function (name) {
          if (own && own.value === name) return;
          var option = document.createElement("option");
          option.value = name;
          option.textContent = name;
          select.appendChild(option);
        });
        if (current && names.indexOf(current) < 0) {
          var gone = document.createElement("option");
          gone.value = current;
          gone.textContent = current;
          select.appendChild(gone);
        }
        select.value = current;
      });
    }

    function syncType(card) {
      var type = card.querySelector('select[name$="-type"]');
      var choices = card.querySelector("[data-def-choices]");
      if (type && choices) {
        choices.hidden = !(type.value === "choice" || type.value === "multi_choice");
      }
    }

    function syncTitle(card) {
      var label = card.querySelector('input[name$="-label"]');
      var title = card.querySelector("[data-def-title]");
      if (label && title) title.textContent = label.value || "New field";
    }

    function prepare(card) {
      var del = card.querySelector('input[name$="-DELETE"]');
      if (del) {
        del.closest("label").hidden = true;
        if (del.checked) card.hidden = true;
      }
      var order = card.querySelector('input[name$="-ORDER"]');
      if (order) order.closest(".field").hidden = true;
      syncType(card);
    }

    list.querySelectorAll("[data-def-card]").forEach(prepare);
    renumber();

    document.getElementById("def-add").addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("ol");
      holder.innerHTML = html.trim();
      var card = holder.firstElementChild;
      list.appendChild(card);
      total.value = String(index + 1);
      prepare(card);
      renumber();
      var key = card.querySelector('input[name$="-key"]');
      if (key) key.focus();
      say("Field added at position " + cards().length + ".");
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var card = button.closest("[data-def-card]");
      if (!card) return;
      if (button.hasAttribute("data-def-move")) {
        var up = button.getAttribute("data-def-move") === "up";
        var visible = cards();
        var at = visible.indexOf(card);
        var other = visible[up ? at - 1 : at + 1];
        if (!other) { say("Already " + (up ? "first." : "last.")); return; }
        if (up) list.insertBefore(card, other); else list.insertBefore(other, card);
        renumber();
        button.focus();
        say("Moved to position " + (cards().indexOf(card) + 1) + ".");
      } else if (button.hasAttribute("data-def-remove")) {
        var del = card.querySelector('input[name$="-DELETE"]');
        if (del) del.checked = true;
        var next = cards()[cards().indexOf(card) + 1] || cards()[cards().indexOf(card) - 1];
        card.hidden = true;
        renumber();
        var focusTarget = next ? next.querySelector("button") : document.getElementById("def-add");
        if (focusTarget) focusTarget.focus();
        say("Field removed; it is deleted when you save.");
      }
    });

    list.addEventListener("input", function (event) {
      var card = event.target.closest("[data-def-card]");
      if (!card) return;
      if (/-label$/.test(event.target.name)) syncTitle(card);
      if (/-key$/.test(event.target.name)) refreshKeys();
    });
    list.addEventListener("change", function (event) {
      var card = event.target.closest("[data-def-card]");
      if (card && /-type$/.test(event.target.name)) syncType(card);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
