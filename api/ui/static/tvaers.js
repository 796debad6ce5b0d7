// Tværs: the little the pages do in the browser. A static file, as the Content-Security-
// Policy allows no inline script (docs/adr/0012). Everything here is an enhancement: the
// pages work without it.
(function () {
  "use strict";

  // A refused form: its error summary takes the focus, so a screen reader reads it and a
  // keyboard user starts there (the summary lists and links every error).
  function focusSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
  }

  // A link in the error summary moves the focus to its field (for a group of boxes: the
  // first box), not only the scroll position.
  function followErrorLinks() {
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
          return;
        }
        var focusable = target.matches("input, select, textarea, button")
          ? target
          : target.querySelector("input, select, textarea, button");
        if (focusable) {
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          focusable.focus();
        }
      });
    });
  }

  // The login page: a button that shows and hides the password (it stays hidden by
  // default: type="password"). aria-pressed says which state it is in.
  function passwordToggles() {
    document.querySelectorAll("[data-password-toggle]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-password-toggle"));
      if (!input) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
      });
      // Never leave it shown when the form is sent (the browser may store the page).
      if (input.form) {
        input.form.addEventListener("submit", function () {
          input.type = "password";
          button.setAttribute("aria-pressed", "false");
        });
      }
    });
  }

  function start() {
    followErrorLinks();
    passwordToggles();
    focusSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
