/* otpkit.js: progressive enhancement for otpkit's pages (served at {prefix}/static/otpkit.js).
 *
 * Every page works without it. It is an external script from the site's own origin, so it runs
 * under `Content-Security-Policy: default-src 'self'`: no inline code, no eval, no dependency.
 * Templates opt in with data attributes only:
 *
 *   <form method="post">…<button type="submit">…     After the first submission the form's
 *                                                    submit buttons are disabled and the form
 *                                                    gets aria-busy="true" (no double submit);
 *                                                    both are undone when the browser shows
 *                                                    the page again from its back/forward cache.
 *                                                    A form with data-allow-resubmit is left
 *                                                    alone.
 *   <button type="button" data-copy-target="#id"     Copies the text of #id to the clipboard
 *           data-copied-label="Copied">              and announces data-copied-label in a
 *                                                    role="status" live region (the template
 *                                                    gives the translated word). Without the
 *                                                    Clipboard API the text is selected instead,
 *                                                    for the person to copy.
 *   <button type="button" data-print>                window.print()
 *   <button type="button" data-download="codes.txt"  Downloads the text of #id as codes.txt
 *           data-download-source="#id">              (a text/plain Blob).
 *
 * Buttons that need the script are best rendered with the `hidden` attribute and class
 * `js-only`: the script shows them, so nobody without it sees a button that does nothing.
 */
(function () {
  "use strict";

  /** The text of the element a selector names, without leading/trailing blank lines. */
  function sourceText(selector) {
    if (!selector) { return null; }
    var el = document.querySelector(selector);
    if (!el) { return null; }
    var text = el.innerText !== undefined && el.innerText !== "" ? el.innerText : el.textContent;
    return (text || "").replace(/^\s+|\s+$/g, "");
  }

  /** One shared polite live region per page, created on first use. */
  function liveRegion() {
    var region = document.getElementById("otpkit-live");
    if (!region) {
      region = document.createElement("p");
      region.id = "otpkit-live";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function announce(button, text) {
    if (!text) { return; }
    var region = liveRegion();
    // Clear first so that the same word is announced again on a second copy.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
    var label = button.getAttribute("data-copied-label");
    if (label && !button.hasAttribute("data-label-original")) {
      button.setAttribute("data-label-original", button.textContent);
      button.textContent = label;
      window.setTimeout(function () {
        button.textContent = button.getAttribute("data-label-original");
        button.removeAttribute("data-label-original");
      }, 2000);
    }
  }

  /** Selects the contents of the element so that the person can copy them. */
  function selectContents(selector) {
    var el = document.querySelector(selector);
    if (!el || !window.getSelection) { return false; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    return ok;
  }

  function copy(button) {
    var selector = button.getAttribute("data-copy-target");
    var text = sourceText(selector);
    if (text === null) { return; }
    var done = function () { announce(button, button.getAttribute("data-copied-label")); };
    var fallback = function () {
      if (selectContents(selector)) { done(); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function download(button) {
    var text = sourceText(button.getAttribute("data-download-source"));
    if (text === null) { return; }
    var name = button.getAttribute("data-download") || "download.txt";
    var blob = new Blob([text + "\n"], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var button = target.closest("[data-copy-target], [data-print], [data-download]");
    if (!button) { return; }
    if (button.hasAttribute("data-copy-target")) {
      event.preventDefault();
      copy(button);
    } else if (button.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (button.hasAttribute("data-download")) {
      event.preventDefault();
      download(button);
    }
  });

  function submitButtons(form) {
    var inside = Array.prototype.slice.call(
      form.querySelectorAll("button:not([type]), button[type=submit], input[type=submit]"));
    if (form.id) {
      var outside = document.querySelectorAll(
        "button[form=\"" + form.id + "\"], input[type=submit][form=\"" + form.id + "\"]");
      inside = inside.concat(Array.prototype.slice.call(outside));
    }
    return inside;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-allow-resubmit")) { return; }
    // Another handler stopped this submission (e.g. its own validation): nothing is sent.
    if (event.defaultPrevented) { return; }
    if (form.getAttribute("aria-busy") === "true") {
      // A second submission of the same form (a double click that got through): drop it.
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    // Disable after this event: a disabled button's name/value would not be submitted.
    window.setTimeout(function () {
      submitButtons(form).forEach(function (b) {
        b.disabled = true;
        b.setAttribute("data-otpkit-disabled", "");
      });
    }, 0);
  });

  /** Undoes the submit state (a page restored from the back/forward cache). */
  function reset() {
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
    });
    document.querySelectorAll("[data-otpkit-disabled]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("data-otpkit-disabled");
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { reset(); }
  });

  function showScriptOnly() {
    document.querySelectorAll(".js-only[hidden]").forEach(function (el) {
      el.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showScriptOnly);
  } else {
    showScriptOnly();
  }
}());
