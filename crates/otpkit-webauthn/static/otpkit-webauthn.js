// otpkit-webauthn: the browser half of the passkey pages (no inline code: the CSP is
// default-src 'self'). A form with data-passkey="register" or "authenticate" asks the
// server for options (data-options), calls navigator.credentials.create() or .get(), and
// posts the answer as JSON to the form's action, with the session's CSRF token.
"use strict";
(function () {
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function toText(buf) {
    if (!buf) { return null; }
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return o;
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBytes(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return o;
  }
  function credentialJson(c) {
    var r = c.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = toText(r.userHandle);
    }
    return {
      id: c.id, rawId: toText(c.rawId), type: c.type, response: response,
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
  }
  function post(url, token, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { throw j; } return j; });
    });
  }
  function run(form) {
    var field = function (n) { var e = form.elements[n]; return e ? e.value : ""; };
    var token = field("csrf_token"), error = document.getElementById("id_passkey_error");
    var button = form.querySelector("button[type=submit]");
    var fail = function (e) {
      error.textContent = (e && e.message) || form.getAttribute("data-error");
      error.hidden = false;
      button.disabled = false;
    };
    error.hidden = true;
    button.disabled = true;
    if (form.getAttribute("data-passkey") === "register") {
      post(form.getAttribute("data-options"), token, { name: field("name") }).then(function (started) {
        return navigator.credentials.create(creationOptions(started.options)).then(function (c) {
          return post(form.action, token, { device: started.device, credential: credentialJson(c), setup: true });
        });
      }).then(function (done) { window.location.assign(done.next || form.getAttribute("data-done")); }, fail);
    } else {
      post(form.getAttribute("data-options"), token, {}).then(function (started) {
        return navigator.credentials.get(requestOptions(started.options));
      }).then(function (c) {
        return post(form.action, token, { credential: credentialJson(c), next: field("next") });
      }).then(function (done) { window.location.assign(done.next); }, fail);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var note = document.getElementById("id_passkey_noscript");
    if (note) { note.hidden = true; }
    var form = document.getElementById("id_passkey_form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(form); });
  });
})();
