// Dropping an image on an actor's photos uploads it: the file goes into the upload form's file
// input and the form is sent, as if it had been chosen there. A file larger than the server
// takes is refused here, before it is sent. Without scripts, the form alone.
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
  const maxBytes = Number(input.dataset.maxBytes);
  // Whether the chosen file may be sent; if not, the input says why.
  const fits = () => {
    const file = input.files[0];
    const tooLarge = file !== undefined && file.size > maxBytes;
    input.setCustomValidity(
      tooLarge ? `The photo is larger than ${Math.floor(maxBytes / 1048576)} MiB.` : "",
    );
    return input.reportValidity();
  };
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
    input.files = files;
    if (fits()) {
      form.requestSubmit();
    }
  });
  input.addEventListener("change", fits);
})();
