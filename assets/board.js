// A role's board: keyboard shortcuts, live updates that leave the person's work alone, and
// "Copy link". With a candidate's row focused, a key listed under "Keyboard shortcuts" chooses
// its value in that row's "Move" or "Grade" form and submits the form, as its button does; j
// and k move between rows. The keys are read from the list on the page, so the page and the
// script cannot disagree. Without a script, the buttons do it all, and the link is selectable.
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

  // A live update (assets/live.js: a GET) swaps the board for the server's latest while the
  // person may be in the middle of something: the boxes they ticked, what they typed or chose
  // and did not send yet, and the focus stay as they were. An answer to a form they sent (a
  // POST) is shown whole: it is what they asked for.
  let kept = null;

  const defaultOf = (select) => {
    const chosen = Array.from(select.options).find((option) => option.defaultSelected);
    return (chosen || select.options[0] || { value: "" }).value;
  };

  const changed = (control) => {
    if (control.type === "checkbox" || control.type === "radio") {
      return control.checked !== control.defaultChecked;
    }
    if (control instanceof HTMLSelectElement) {
      return control.value !== defaultOf(control);
    }
    return control.value !== control.defaultValue;
  };

  const focusables = (root) =>
    Array.from(root.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"));

  const keep = (region) => {
    const controls = [];
    for (const control of region.querySelectorAll("input[id], select[id], textarea[id]")) {
      if (control.type !== "hidden" && changed(control)) {
        controls.push({ id: control.id, value: control.value, checked: control.checked });
      }
    }
    const active = document.activeElement;
    let focus = null;
    if (active && active !== document.body && region.contains(active)) {
      // Without an id of its own, it is found again by its place in the nearest part that has
      // one (a button of a candidate's row, in that row).
      const anchor = active.id ? active : active.parentElement.closest("[id]");
      focus = {
        anchor: anchor.id,
        index: active.id ? -1 : focusables(anchor).indexOf(active),
        start: typeof active.selectionStart === "number" ? active.selectionStart : null,
        end: typeof active.selectionEnd === "number" ? active.selectionEnd : null,
      };
    }
    return { controls, focus };
  };

  const restore = ({ controls, focus }) => {
    for (const { id, value, checked } of controls) {
      const control = document.getElementById(id);
      if (!control) {
        continue;
      }
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = checked;
      } else {
        control.value = value;
      }
    }
    if (!focus) {
      return;
    }
    const anchor = document.getElementById(focus.anchor);
    if (!anchor) {
      return;
    }
    const target = focus.index < 0 ? anchor : focusables(anchor)[focus.index] || anchor;
    target.focus({ preventScroll: true });
    if (focus.start !== null && typeof target.setSelectionRange === "function") {
      try {
        target.setSelectionRange(focus.start, focus.end);
      } catch {
        // Not a text field (a number or a checkbox): it has no caret to put back.
      }
    }
  };

  document.addEventListener("htmx:beforeSwap", (event) => {
    const { requestConfig, target, shouldSwap } = event.detail;
    const live = requestConfig && requestConfig.verb === "get";
    if (live && shouldSwap && target && target.id === "board") {
      kept = keep(target);
    }
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (kept) {
      restore(kept);
      kept = null;
    }
  });

  // "Copy link": a new presentation's link to the clipboard. The button is hidden in the page,
  // since without a script it could do nothing: the link's field is selectable instead.
  const reveal = (root) => {
    for (const button of root.querySelectorAll("button[data-copy]")) {
      button.hidden = false;
    }
  };

  document.addEventListener("htmx:load", (event) => reveal(event.target));

  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) {
      return;
    }
    const field = document.getElementById(button.dataset.copy);
    const said = document.getElementById(button.dataset.copyStatus);
    if (!field) {
      return;
    }
    field.focus();
    field.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      // No clipboard API (not a secure context) or no permission: the older way, on the
      // selection.
      copied = document.execCommand("copy");
    }
    if (said) {
      said.textContent = copied ? "Copied." : "Not copied: the link is selected, copy it yourself.";
    }
  });

  // After a form sent without htmx, the answer's address names the row that changed.
  document.addEventListener("DOMContentLoaded", () => {
    reveal(document);
    const id = decodeURIComponent(location.hash.slice(1));
    if (id.startsWith("candidate-")) {
      focusRow(document.getElementById(id));
    }
  });
})();
