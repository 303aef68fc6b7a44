// Second factor: ticking "Use backup code" turns the code field into a text field (backup
// codes contain letters, a numeric keypad can't type them) and unticking turns it back.
// Without scripts, the "Use a backup code" link opens the page with a text field instead;
// with them the tick box does it in place, so the link is hidden.
(function () {
  "use strict";
  var box = document.querySelector("input[name=useBackupCode]");
  var field = document.getElementById("code");
  if (!box || !field) { return; }
  var link = document.getElementById("backup-code-page");
  var initial = {
    inputmode: field.getAttribute("inputmode"),
    autocomplete: field.getAttribute("autocomplete"),
    autocapitalize: field.getAttribute("autocapitalize"),
    spellcheck: field.getAttribute("spellcheck")
  };
  var text = { inputmode: "text", autocomplete: "off", autocapitalize: "none", spellcheck: "false" };
  function apply(attributes) {
    Object.keys(attributes).forEach(function (name) {
      if (attributes[name] === null) { field.removeAttribute(name); } else { field.setAttribute(name, attributes[name]); }
    });
  }
  function update() { apply(box.checked ? text : initial); }
  if (link) {
    link.hidden = true;
    if (link.parentNode.children.length === 1) { link.parentNode.hidden = true; }
  }
  box.addEventListener("change", update);
  update();
})();
