// The console works without this file; it only adds two conveniences.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A chosen file fills the text area it names, so it can be checked before it is imported.
  for (const input of document.querySelectorAll("input[type=file][data-fills]")) {
    input.addEventListener("change", () => {
      const target = document.getElementById(input.dataset.fills);
      const file = input.files && input.files[0];
      if (!target || !file) return;
      file.text().then((text) => { target.value = text; });
    });
  }
  // Forms that undo something ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // A page that lists problems moves the focus to them.
  const problems = document.getElementById("problems");
  if (problems) problems.focus();
});
