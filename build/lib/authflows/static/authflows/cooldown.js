// "I need a new code": disabled during the server's cool-down, with the seconds left.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-cooldown]");
  Array.prototype.forEach.call(buttons, function (button) {
    var left = parseInt(button.getAttribute("data-cooldown"), 10) || 0;
    var label = button.textContent;
    function tick() {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.disabled = true;
      button.textContent = label + " (" + left + "s)";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
