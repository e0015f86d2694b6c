// Espace Clients, the desk: « Insérer le lien » puts an article's title and address in the reply,
// where the cursor is. Without this file the address is shown to copy by hand.
(function () {
  "use strict";
  // A press on the button leaves the focus where it is, as an editor's toolbar does: moving it to the
  // button may scroll the page between the press and the release, and the click would be lost.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("[data-kb-insert]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-kb-insert"));
    if (!field) return;
    var text = button.getAttribute("data-kb-text");
    var start = field.selectionStart, end = field.selectionEnd;
    if (typeof start !== "number") start = end = field.value.length;
    var before = field.value.slice(0, start), after = field.value.slice(end);
    if (before && !/\s$/.test(before)) text = " " + text;
    if (after && !/^\s/.test(after)) text = text + " ";
    field.value = before + text + after;
    var caret = before.length + text.length;
    field.focus();
    field.setSelectionRange(caret, caret);
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var status = document.getElementById("kb-picker-status");
    if (status) status.textContent = "Lien inséré dans la réponse : " + button.getAttribute("data-kb-text");
  });
})();
