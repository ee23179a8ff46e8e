/* The staff site's accessibility fixes that need the page (issue 17).
   Autocomplete boxes (select2, for agency, NAICS and PSC): select2 names its
   box after the chosen value, so an empty box had no name. Each box is named
   by the field's own label followed by the chosen value. Without JavaScript
   the plain <select> keeps its <label>. */
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

  function nameAll(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
  }

  // select2 builds its boxes after the page loads (and again for a new inline
  // row); name each one as it appears.
  new MutationObserver(function () {
    nameAll(document);
  }).observe(document.documentElement, { childList: true, subtree: true });
  nameAll(document);
})();
