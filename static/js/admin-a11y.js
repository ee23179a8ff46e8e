/* The staff site's accessibility fixes that need the page (issue 17).
   Autocomplete boxes (select2, for agency, NAICS and PSC): select2 names its
   box after the chosen value, so an empty box had no name. Each box is named
   by the field's own label followed by the chosen value. Without JavaScript
   the plain <select> keeps its <label>.
   Django's own forms (users, devices): the date and time boxes of a split
   date-time field are named after the field ("Last login: Date"), as the
   waiver forms name theirs on the server; the filter icons of a two-list
   chooser (permissions, groups), which carry a name, become named images. */
(function () {
  "use strict";

  function nameAutocomplete(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) return;
    const box = container.querySelector(".select2-selection[role=combobox]");
    const shown = container.querySelector(".select2-selection__rendered");
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (!box || !label || box.dataset.named) return;
    if (!label.id) label.id = select.id + "_label";
    box.setAttribute("aria-labelledby", shown && shown.id ? label.id + " " + shown.id : label.id);
    if (shown) shown.setAttribute("aria-labelledby", label.id);
    box.dataset.named = "yes";
  }

  function nameDateTimeBoxes(paragraph) {
    const row = paragraph.closest(".form-row, .fieldBox");
    const label = row && row.querySelector("label");
    if (!label) return;
    const field = label.textContent.trim().replace(/:$/, "");
    paragraph.querySelectorAll("input").forEach(function (box, index) {
      if (box.getAttribute("aria-label") || box.labels.length) return;
      box.setAttribute("aria-label", field + ": " + (index === 0 ? "Date" : "Time"));
    });
  }

  function nameAll(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
    root.querySelectorAll("p.datetime").forEach(nameDateTimeBoxes);
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // select2 builds its boxes after the page loads (and again for a new inline
  // row); name each one as it appears.
  new MutationObserver(function () {
    nameAll(document);
  }).observe(document.documentElement, { childList: true, subtree: true });
  nameAll(document);
})();
