// Dropping an image on an actor's photos uploads it: the file goes into the upload form's file
// input and the form is sent, as if it had been chosen there. Without scripts, the form alone.
(function () {
  "use strict";
  const section = document.querySelector("[data-photo-drop]");
  const form = section && section.querySelector("form.upload");
  if (!form) {
    return;
  }
  const input = form.querySelector('input[type="file"]');
  const hint = form.querySelector(".drop-hint");
  if (hint) {
    hint.hidden = false;
  }
  const carriesFiles = (event) =>
    event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");

  section.addEventListener("dragover", (event) => {
    if (carriesFiles(event)) {
      event.preventDefault();
      section.classList.add("dropping");
    }
  });
  section.addEventListener("dragleave", (event) => {
    if (!section.contains(event.relatedTarget)) {
      section.classList.remove("dropping");
    }
  });
  section.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) {
      return;
    }
    event.preventDefault();
    section.classList.remove("dropping");
    const files = event.dataTransfer.files;
    if (files.length !== 1) {
      input.setCustomValidity("Drop one image at a time.");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    input.files = files;
    form.requestSubmit();
  });
  input.addEventListener("change", () => input.setCustomValidity(""));
})();
