// otpkit's pages, enhanced: a form sends once (its submit buttons are disabled after the
// first submission, and enabled again when the page comes back from the back-forward cache).
// Every page works without this script. No inline code: the CSP forbids it.
"use strict";
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    // Disable after this event, so that the clicked button's name and value are still sent.
    window.setTimeout(function () {
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    }, 0);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        b.disabled = false;
      });
    });
  });
})();
