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

  // Lists under 700 px are cards (portal.css): each cell gets the name of its column, read from
  // the table's header (columns spanned and header rows stacked included), in ``data-label``.
  function headerText(cell) {
    var copy = cell.cloneNode(true);
    copy.querySelectorAll(".visually-hidden, [aria-hidden=true]").forEach(function (node) { node.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function columnNames(head) {
    var names = [], taken = [];
    Array.prototype.forEach.call(head.rows, function (row, r) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (taken[r] && taken[r][column]) column++;
        var text = headerText(cell);
        for (var c = column; c < column + cell.colSpan; c++) {
          names[c] = names[c] || [];
          if (text && names[c].indexOf(text) === -1) names[c].push(text);
          for (var below = r; below < r + cell.rowSpan; below++) {
            taken[below] = taken[below] || [];
            taken[below][c] = true;
          }
        }
        column += cell.colSpan;
      });
    });
    return names.map(function (parts) { return (parts || []).join(" — "); });
  }
  document.querySelectorAll(".table-wrap > table").forEach(function (table) {
    if (!table.tHead) return;
    var names = columnNames(table.tHead);
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var name = cell.colSpan === 1 ? names[column] : "";
          column += cell.colSpan;
          if (!name || cell.hasAttribute("data-label")) return;
          var wrapper = document.createElement("div");
          wrapper.className = "cell";
          while (cell.firstChild) wrapper.appendChild(cell.firstChild);
          cell.appendChild(wrapper);
          cell.setAttribute("data-label", name);
        });
      });
    });
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

  // A refused form: its error summary takes the focus (read out first, SPEC M11.9); each of its
  // links puts the focus in the field it names, its label in view.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + target.id + "']") || target;
    label.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });

  // Forms that ask for confirmation before submitting (data-confirm="message").
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
