// A role's board: keyboard shortcuts. With a candidate's row focused, a key listed under
// "Keyboard shortcuts" chooses its value in that row's "Move" or "Grade" form and submits the
// form, as its button does; j and k move between rows. The keys are read from the list on the
// page, so the page and the script cannot disagree. Without a script, the buttons do it all.
"use strict";

(() => {
  // The row to focus again once htmx has swapped the board.
  let refocus = null;

  const rowOf = (element) =>
    element instanceof Element ? element.closest("tr[data-candidate]") : null;

  const typing = (element) =>
    element instanceof Element &&
    (element.matches("select, textarea, [contenteditable]") ||
      (element.matches("input") && element.type !== "checkbox"));

  const shortcut = (key) => {
    for (const item of document.querySelectorAll("[data-shortcut]")) {
      if (item.dataset.shortcut === key) {
        return item;
      }
    }
    return null;
  };

  const focusRow = (row) => {
    if (row) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    const row = rowOf(event.target);
    if (!row) {
      return;
    }
    const key = event.key.toLowerCase();
    if (key === "j" || key === "k") {
      const rows = Array.from(document.querySelectorAll("tr[data-candidate]"));
      const next = rows[rows.indexOf(row) + (key === "j" ? 1 : -1)];
      event.preventDefault();
      focusRow(next);
      return;
    }
    const item = shortcut(key);
    if (!item) {
      return;
    }
    const form = row.querySelector(`form[data-shortcut-field="${item.dataset.field}"]`);
    const select = form && form.querySelector("select");
    if (!select) {
      return;
    }
    event.preventDefault();
    select.value = item.dataset.value;
    refocus = row.id;
    form.requestSubmit();
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (refocus) {
      focusRow(document.getElementById(refocus));
      refocus = null;
    }
  });

  // After a form sent without htmx, the answer's address names the row that changed.
  document.addEventListener("DOMContentLoaded", () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id.startsWith("candidate-")) {
      focusRow(document.getElementById(id));
    }
  });
})();
