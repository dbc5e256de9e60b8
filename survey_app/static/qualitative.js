// A session's page: a button "Usa il testo selezionato" next to the passage field copies the
// text selected in the session's text (mouse, or keyboard with caret browsing) into the field
// and fills in its first and last paragraph. Without JavaScript the evaluator pastes the passage
// or types the paragraph numbers: the form is the same. The words shown come from the form's
// data-* attributes, translated with the page.
(function () {
  "use strict";
  var text = document.getElementById("testo");
  var form = document.getElementById("coding-form");
  if (!text || !form || !window.getSelection) { return; }
  var excerpt = form.querySelector("textarea[name=excerpt]");
  var first = form.querySelector("input[name=first_paragraph]");
  var last = form.querySelector("input[name=last_paragraph]");
  if (!excerpt || !form.hasAttribute("data-use-selection")) { return; }
  var chosen = null;
  function paragraphOf(node) {
    while (node && node !== text) {
      if (node.nodeType === 1 && node.hasAttribute("data-number")) { return node.getAttribute("data-number"); }
      node = node.parentNode;
    }
    return null;
  }
  // remembered while it is in the text: clicking the button must not lose it
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return; }
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { return; }
    chosen = { text: selection.toString(), first: paragraphOf(range.startContainer), last: paragraphOf(range.endContainer) };
  });
  var status = document.createElement("p");
  status.className = "hint";
  status.setAttribute("role", "status");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-secondary";
  button.textContent = form.getAttribute("data-use-selection");
  button.addEventListener("click", function () {
    if (!chosen || !chosen.text.trim()) {
      status.textContent = form.getAttribute("data-select-first");
      return;
    }
    excerpt.value = chosen.text.trim();
    if (first && chosen.first) { first.value = chosen.first; }
    if (last && chosen.last) { last.value = chosen.last; }
    status.textContent = form.getAttribute("data-copied");
    excerpt.focus();
  });
  var row = excerpt.closest(".form-row") || excerpt.parentNode;
  row.appendChild(button);
  row.appendChild(status);
}());
