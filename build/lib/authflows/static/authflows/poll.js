// The waiting tab of an email-link sign-in: ask the server every 2 s whether the link was
// opened (in any browser); when it was, the server finishes the sign-in and we follow.
(function () {
  "use strict";
  var box = document.getElementById("link-waiting");
  if (!box) return;
  var url = box.getAttribute("data-poll-url");
  var tries = 0;
  function poll() {
    tries += 1;
    if (tries > 300) return; // stop after 10 minutes: the link has expired by then
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status === "complete" && data.redirect) {
          window.location.assign(data.redirect);
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 2000);
})();
