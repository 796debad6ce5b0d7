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

  // The session ends (a web session lasts a fixed time): a dialog warns a few minutes
  // before and «Forlæng» renews it (POST /ui/session/renew), WCAG 2.2.1. When the session
  // has ended, the dialog says so and offers to log in again (what a form holds is kept:
  // api/ui/drafts.py). Issue 16; the page works without it.
  var SESSION_WARNING_MS = 5 * 60 * 1000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
    } catch (error) {
      return "";
    }
  }

  function sessionWarning() {
    var dialog = document.getElementById("session-warning");
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    var text = document.getElementById("session-warning-text");
    var renew = dialog.querySelector("[data-session-renew]");
    var login = dialog.querySelector("[data-session-login]");
    var timers = [];
    var endsAt = 0;
    var returnTo = null;

    function clearTimers() {
      timers.forEach(function (timer) {
        clearTimeout(timer);
        clearInterval(timer);
      });
      timers = [];
    }

    function sayMinutes() {
      var minutes = Math.max(1, Math.ceil((endsAt - Date.now()) / 60000));
      text.textContent = text.getAttribute("data-ending").replace("{minutes}", String(minutes));
    }

    function show(focus) {
      if (!dialog.open) {
        returnTo = document.activeElement;
        dialog.showModal();
      }
      focus.focus();
    }

    function warn() {
      renew.hidden = false;
      login.hidden = true;
      sayMinutes();
      timers.push(setInterval(sayMinutes, 30000));
      show(renew);
    }

    function ended() {
      clearTimers();
      text.textContent = text.getAttribute("data-ended");
      renew.hidden = true;
      login.hidden = false;
      show(login);
    }

    function schedule(seconds) {
      clearTimers();
      endsAt = Date.now() + seconds * 1000;
      timers.push(setTimeout(warn, Math.max(0, seconds * 1000 - SESSION_WARNING_MS)));
      timers.push(setTimeout(ended, seconds * 1000));
    }

    renew.addEventListener("click", function () {
      renew.disabled = true;
      fetch(dialog.getAttribute("data-renew"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrftoken": csrfToken(), accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (body) {
          dialog.close();
          schedule(Number(body.seconds));
          if (returnTo && typeof returnTo.focus === "function") {
            returnTo.focus();
          }
        })
        .catch(function () {
          text.textContent = text.getAttribute("data-failed");
          login.hidden = false;
        })
        .finally(function () {
          renew.disabled = false;
        });
    });

    schedule(Number(dialog.getAttribute("data-session-seconds")));
  }

  // On a phone the registry's filters fold away behind their heading, so the results come
  // first (issue 16); a refused filter keeps them open. Wider screens keep them open.
  function foldFilters() {
    if (!window.matchMedia || !window.matchMedia("(max-width: 900px)").matches) {
      return;
    }
    document.querySelectorAll("details.filters-toggle").forEach(function (details) {
      if (!details.hasAttribute("data-keep-open")) {
        details.open = false;
      }
    });
  }

  function start() {
    followErrorLinks();
    passwordToggles();
    focusSummary();
    sessionWarning();
    foldFilters();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
