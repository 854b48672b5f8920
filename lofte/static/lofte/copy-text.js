// A button that copies the text of a field (data-copy-target) to the clipboard and says so in a status element
// (data-copy-status). Without JavaScript the button stays hidden and the text can be selected and copied by hand.
(function () {
  "use strict";

  function fallback(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copyTarget);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { status.textContent = button.dataset.copied; };
      var failed = function () {
        status.textContent = fallback(field) ? button.dataset.copied : button.dataset.failed;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  });
})();
