// Search forms (data-site-search): leave empty fields out of the address when
// the form is sent, so a search URL names only what was asked for. Without
// JavaScript the server redirects to the same address (waivers.browsing).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-site-search]")) return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && !field.disabled && field.value === "" &&
        (field.type !== "checkbox" && field.type !== "radio" || field.checked)) {
      field.disabled = true;
      // Enabled again if the page is kept (back button, bfcache).
      window.setTimeout(function () { field.disabled = false; }, 0);
    }
  });
});
// Desktop: the filter panel (<details>) is open; a phone starts with it closed.
(function () {
  var panel = document.querySelector("details[data-site-filters]");
  if (panel && window.matchMedia("(min-width: 64em)").matches) panel.open = true;
})();
