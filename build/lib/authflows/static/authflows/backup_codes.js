// Backup codes page: "Copy" puts every code on the clipboard (shown only when scripts run).
(function () {
  "use strict";
  var button = document.getElementById("copy-backup-codes");
  var source = button && document.getElementById(button.getAttribute("data-copy-target"));
  var done = document.getElementById("copy-done");
  if (!button || !source) { return; }
  function copied() { if (done) { done.hidden = false; } }
  function fallback() {
    source.removeAttribute("aria-hidden");
    source.select();
    try { if (document.execCommand("copy")) { copied(); } } finally { source.setAttribute("aria-hidden", "true"); }
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(source.value).then(copied, fallback);
    } else {
      fallback();
    }
  });
})();
