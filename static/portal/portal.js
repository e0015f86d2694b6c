// Espace Clients: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // On a phone the side menu starts folded under a « Menu » button (open without JavaScript).
  if (window.matchMedia("(max-width: 49.99rem)").matches) {
    document.querySelectorAll("[data-collapse-on-phone]").forEach(function (panel) {
      panel.removeAttribute("open");
    });
  }

  // News banner: a Pause / Lecture button (WCAG 2.2.2: moving content can be paused).
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-ticker-toggle]");
    if (!toggle) return;
    var ticker = toggle.closest("[data-ticker]");
    var paused = ticker.classList.toggle("paused");
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    toggle.textContent = paused ? "Lecture" : "Pause";
  });

  // Table rows that open a page on double-click (the row also holds a real link for keyboards).
  document.addEventListener("dblclick", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, select, label")) {
      window.location.href = row.getAttribute("data-href");
    }
  });

  // « Déposer une DI »: the software complement is hidden when the chosen contract is not on a software.
  function syncSoftwareFields(select) {
    var fieldset = document.querySelector("[data-software-fields]");
    var option = select.options[select.selectedIndex];
    var kind = option ? option.getAttribute("data-product-kind") : null;
    if (fieldset) fieldset.hidden = Boolean(kind) && kind !== "software";
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-contract-select]")) syncSoftwareFields(event.target);
  });
  var contractSelect = document.querySelector("select[data-contract-select]");
  if (contractSelect) syncSoftwareFields(contractSelect);

  // « Réponses types » on the desk: the chosen text goes into the reply, where it can be edited
  // before sending (without this script, the form reloads the page with the reply prefilled).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-canned-replies]");
    if (!form) return;
    var select = form.querySelector("select");
    var template = select.value && form.querySelector('template[data-canned-reply="' + select.value + '"]');
    var textarea = document.querySelector("#repondre textarea");
    if (!template || !textarea) return;
    event.preventDefault();
    var text = template.content.textContent;
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    if (textarea.value && start === end && start === textarea.value.length) text = "\n\n" + text;
    textarea.setRangeText(text, start, end, "end");
    textarea.focus();
  });

  // Forms that ask for confirmation before submitting (data-confirm="message").
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
