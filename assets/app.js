// movie-manager's web app: the few things that need a script. Every page works without it.
"use strict";

// "Copy API token": shown only when there is a script to do it.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.hidden = false;
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  const say = (text) => {
    if (status) {
      status.textContent = text;
    }
  };
  source.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(source.value).then(
      () => say("Copied the API token."),
      () => say("Copy it with Ctrl+C (or Cmd+C): it is selected."),
    );
  } else {
    say("Copy it with Ctrl+C (or Cmd+C): it is selected.");
  }
});
