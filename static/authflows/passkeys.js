// Passkeys: "Sign in with a passkey" (and passkey autofill in the identifier field) on the
// sign-in page, "Use your passkey" on factor-two, "Create a passkey" on the account. The
// element marked data-passkey names the ceremony, where to fetch its options
// (data-options-url) and where to send the browser's answer (data-url); the site answers
// where to go next, or why not. Messages come translated in data-msg-* attributes.
(function () {
  "use strict";
  var box = document.querySelector("[data-passkey]");
  if (!box) { return; }
  var kind = box.getAttribute("data-passkey");
  var start = box.querySelector("[data-passkey-start]");
  var errorLine = box.querySelector("[data-passkey-error]");
  var origins = (box.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var supported = !!(window.PublicKeyCredential && navigator.credentials);
  var atHome = origins.length === 0 || origins.indexOf(window.location.origin) !== -1;
  var pendingAutofill = null;

  function message(name) { return box.getAttribute("data-msg-" + name) || ""; }

  function showError(code, text) {
    if (!errorLine) { return; }
    errorLine.setAttribute("data-error-code", code);
    errorLine.textContent = text;
    errorLine.hidden = false;
  }

  function clearError() {
    if (errorLine) { errorLine.hidden = true; errorLine.textContent = ""; }
  }

  // base64url <-> ArrayBuffer, for browsers without the JSON helpers of WebAuthn level 3.
  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBuffer(item.id) });
    });
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials)
    });
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: withIds(json.allowCredentials)
    });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try { return credential.toJSON(); } catch (ignored) { /* fall back below */ }
    }
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) { json.response.userHandle = toText(response.userHandle); }
    }
    return json;
  }

  function csrfToken() {
    var field = box.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // A refusal from the site, or a plain Error whose name says what the browser did.
  function Refusal(code, text) { this.code = code; this.text = text; }

  function post(url, body) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { return data; }
        var error = (data.errors && data.errors[0]) || {};
        throw new Refusal(error.code || "error", error.message || message("error"));
      });
    });
  }

  function explain(error) {
    if (error instanceof Refusal) { showError(error.code, error.text); return; }
    var name = error && error.name;
    if (name === "AbortError") { return; }  // autofill given up for the button: nothing to say
    if (name === "NotAllowedError") {
      showError(kind === "register" ? "passkey_registration_cancelled" : "passkey_retrieval_cancelled", message("cancelled"));
    } else if (name === "InvalidStateError") {
      showError("passkey_already_exists", message("exists"));
    } else if (name === "SecurityError" || name === "NotSupportedError") {
      showError("passkey_not_supported", message("unsupported"));
    } else {
      showError("error", message("error"));
    }
  }

  function follow(data) {
    if (data && data.redirect) { window.location.assign(data.redirect); return; }
    throw new Refusal("error", message("error"));
  }

  function redirectURL() {
    var field = document.querySelector("input[name=redirect_url]");
    return field ? field.value : "";
  }

  function getPasskey(mediation, signal) {
    return post(box.getAttribute("data-options-url"), {}).then(function (data) {
      var request = { publicKey: requestOptions(data.publicKey) };
      if (mediation) { request.mediation = mediation; request.signal = signal; }
      return navigator.credentials.get(request);
    }).then(function (credential) {
      if (!credential) { throw new Refusal("passkey_retrieval_cancelled", message("cancelled")); }
      return post(box.getAttribute("data-url"), { credential: credentialJSON(credential), redirect_url: redirectURL() });
    }).then(follow);
  }

  function createPasskey() {
    var name = document.getElementById("passkey-name");
    return post(box.getAttribute("data-options-url"), {}).then(function (data) {
      return navigator.credentials.create({ publicKey: creationOptions(data.publicKey) });
    }).then(function (credential) {
      if (!credential) { throw new Refusal("passkey_registration_cancelled", message("cancelled")); }
      return post(box.getAttribute("data-url"), { credential: credentialJSON(credential), name: name ? name.value : "" });
    }).then(follow);
  }

  function ceremony() {
    clearError();
    if (pendingAutofill) { pendingAutofill.abort(); pendingAutofill = null; }
    start.disabled = true;
    start.setAttribute("aria-busy", "true");
    var done = kind === "register" ? createPasskey() : getPasskey();
    done.catch(explain).then(function () {
      start.disabled = false;
      start.removeAttribute("aria-busy");
    });
  }

  // Passkeys offered in the identifier field's autofill, where the browser can.
  function offerAutofill() {
    var available = PublicKeyCredential.isConditionalMediationAvailable;
    if (kind !== "sign-in" || typeof available !== "function" || typeof AbortController !== "function") { return; }
    available.call(PublicKeyCredential).then(function (yes) {
      if (!yes) { return; }
      pendingAutofill = new AbortController();
      getPasskey("conditional", pendingAutofill.signal).catch(function (error) {
        if (error && error.name !== "AbortError") { explain(error); }
      });
    }).catch(function () { /* no autofill: the button still works */ });
  }

  if (!supported) { return; }
  if (!atHome) {
    var elsewhere = box.querySelector("[data-passkey-elsewhere]");
    if (elsewhere) { elsewhere.hidden = false; }
    return;
  }
  if (start) {
    start.hidden = false;
    start.addEventListener("click", ceremony);
  }
  offerAutofill();
})();
