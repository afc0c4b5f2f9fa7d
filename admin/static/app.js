// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:beforeRequest", function (evt) {
  // Do not refresh the inbox rows under a user who is selecting items for a bulk action.
  if (evt.detail.elt && evt.detail.elt.id === "rows" &&
      document.querySelector('#rows input[name="ids"]:checked')) {
    evt.preventDefault();
  }
});

// Keyboard work on the item page and in the inbox: one key for the frequent actions, never
// while typing. n: next open item; u: re-route; a: answer; i: internal note; w: Wiedervorlage;
// e: done; "/": search in the inbox; j/k: next/previous item in the inbox list.
document.addEventListener("keydown", function (evt) {
  var target = evt.target;
  if (evt.ctrlKey || evt.metaKey || evt.altKey || (target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) {
    return;
  }
  var focus = {u: "reroute-queue", a: "reply-text", i: "note-text", w: "resubmit-day", e: "done-reason", "/": "q"}[evt.key];
  if ((evt.key === "j" || evt.key === "k") && document.getElementById("rows")) {
    // Inbox: j/k move from item to item (the subject links), Enter opens it.
    var links = Array.prototype.slice.call(document.querySelectorAll('#rows a[href^="/items/"]'));
    if (links.length) {
      evt.preventDefault();
      var at = links.indexOf(document.activeElement);
      var to = evt.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      links[at < 0 ? 0 : to].focus();
    }
  } else if (evt.key === "n") {
    var next = document.getElementById("next-item");
    if (next) { evt.preventDefault(); window.location.href = next.href; }
  } else if (focus && document.getElementById(focus)) {
    evt.preventDefault();
    document.getElementById(focus).focus();
  }
});

// A mailroom edit (cut, merge, turn) replaced the page's content in place: move the focus to
// its message, so keyboard and screen reader users learn the result and go on from there.
document.addEventListener("htmx:afterSettle", function (evt) {
  // htmx reports the settled content: the new <main> that replaced the old one.
  if (!evt.detail.elt || evt.detail.elt.id !== "inhalt") { return; }
  var main = document.getElementById("inhalt");
  var flash = main && main.querySelector(".flash");
  var target = flash || main;
  if (target) {
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }
});
