// Conditional fields of request forms: the browser twin of catalog/inputdef.py `evaluate`.
// Each field wrapper carries data-answer-key, data-answer-name and (if conditional)
// data-condition='{"field": "...", "op": "eq", "value": ...}' (nesting: all / any / not).
// A hidden field counts as unset for the fields after it, as on the server.
(function () {
  "use strict";

  var NUMBER = /^-?\d+(\.\d+)?$/;

  function isEmpty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function comparable(v) {
    if (typeof v === "number") return "n:" + String(v);
    var s = String(v).trim();
    if (NUMBER.test(s)) return "n:" + String(Number(s));
    return "s:" + s;
  }

  function evaluate(cond, answers) {
    if (!cond) return true;
    if (Object.prototype.hasOwnProperty.call(cond, "all")) {
      return cond.all.every(function (c) { return evaluate(c, answers); });
    }
    if (Object.prototype.hasOwnProperty.call(cond, "any")) {
      return cond.any.some(function (c) { return evaluate(c, answers); });
    }
    if (Object.prototype.hasOwnProperty.call(cond, "not")) {
      return !evaluate(cond.not, answers);
    }
    var actual = Object.prototype.hasOwnProperty.call(answers, cond.field) ? answers[cond.field] : null;
    if (cond.op === "set") return !isEmpty(actual);
    if (cond.op === "unset") return isEmpty(actual);
    var wanted = Array.isArray(cond.value) ? cond.value : [cond.value];
    var have;
    if (Array.isArray(actual)) have = actual.map(comparable);
    else if (isEmpty(actual)) have = [];
    else have = [comparable(actual)];
    var hit = wanted.some(function (w) { return have.indexOf(comparable(w)) !== -1; });
    if (cond.op === "eq" || cond.op === "in") return hit;
    if (cond.op === "neq" || cond.op === "not_in") return !hit;
    return false;
  }

  function valueOf(root, name) {
    var elements = root.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
    var values = [];
    var multiple = false;
    elements.forEach(function (el) {
      if (el.type === "checkbox") {
        multiple = true;
        if (el.checked) values.push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) values.push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        multiple = true;
        Array.prototype.forEach.call(el.selectedOptions, function (o) { values.push(o.value); });
      } else {
        values.push(el.value.trim());
      }
    });
    if (multiple) return values;
    return values.length ? values[0] : null;
  }

  function refresh(root) {
    var answers = {};
    root.querySelectorAll("[data-answer-key]").forEach(function (wrap) {
      var shown = true;
      var raw = wrap.getAttribute("data-condition");
      if (raw) {
        try { shown = evaluate(JSON.parse(raw), answers); } catch (e) { shown = true; }
      }
      wrap.hidden = !shown;
      answers[wrap.getAttribute("data-answer-key")] = shown
        ? valueOf(root, wrap.getAttribute("data-answer-name"))
        : null;
    });
  }

  function refreshAll(scope) {
    (scope || document).querySelectorAll("[data-answers-form]").forEach(refresh);
  }

  function onChange(event) {
    var root = event.target.closest && event.target.closest("[data-answers-form]");
    if (root) refresh(root);
  }

  document.addEventListener("input", onChange);
  document.addEventListener("change", onChange);
  document.addEventListener("htmx:afterSettle", function (event) { refreshAll(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { refreshAll(); });
  } else {
    refreshAll();
  }
  window.mopsConditions = { evaluate: evaluate, refresh: refresh };
})();
