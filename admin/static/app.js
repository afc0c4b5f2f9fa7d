// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:beforeRequest", function (evt) {
  // Do not refresh the inbox rows under a user who is selecting items for a bulk action.
  if (evt.detail.elt && evt.detail.elt.id === "rows" &&
      document.querySelector('#rows input[name="ids"]:checked')) {
    evt.preventDefault();
  }
});
