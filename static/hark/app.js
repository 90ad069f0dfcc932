/* Shared helpers for every page: CSRF token, formatting, nav toggle, copy buttons. */
"use strict";

window.Hark = (function () {
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The API checks CSRF for session-authenticated writes; the cookie is set by the page.
  function csrfToken() {
    var fromCookie = cookie("csrftoken");
    if (fromCookie) return fromCookie;
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  // 75.8 → "1:15"; 3725 → "1:02:05": whole seconds cut, as the audio player shows them.
  function duration(seconds) {
    if (!seconds && seconds !== 0) return "—";
    var total = Math.floor(seconds);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return h ? h + ":" + pad(m, 2) + ":" + pad(s, 2) : m + ":" + pad(s, 2);
  }

  function bytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MB";
    return (n / 1024 / 1024 / 1024).toFixed(2) + " GB";
  }

  function copy(text, button) {
    function done() {
      if (!button) return;
      var original = button.dataset.label || button.textContent;
      button.dataset.label = original;
      button.textContent = "Copied";
      setTimeout(function () {
        button.textContent = original;
      }, 1600);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
    // Plain-HTTP installations have no async clipboard; a selected textarea still works.
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy");
      } catch (e) {
        /* the text stays visible for manual copying */
      }
      document.body.removeChild(area);
      done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var header = toggle.closest(".site-header");
        var open = header.dataset.open !== "true";
        header.dataset.open = String(open);
        toggle.setAttribute("aria-expanded", String(open));
      });
    }

    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });

    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.copy);
        if (target) copy(target.textContent.trim(), button);
      });
    });

    document.querySelectorAll("audio[controls]").forEach(findDuration);

    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });

  // A recording made in a browser (WebM from MediaRecorder) says nothing of its length,
  // so the player would show 0:00 until played to the end. Seeking past the end makes
  // the browser find the end, and with it the duration; then back to the start.
  function findDuration(audio) {
    function seekToEnd() {
      if (audio.duration !== Infinity) return;
      audio.addEventListener("durationchange", function found() {
        if (!isFinite(audio.duration)) return;
        audio.removeEventListener("durationchange", found);
        audio.currentTime = 0;
      });
      audio.currentTime = 1e101;
    }
    if (audio.readyState >= 1) seekToEnd();
    else audio.addEventListener("loadedmetadata", seekToEnd, { once: true });
  }

  return {
    csrfToken: csrfToken,
    duration: duration,
    bytes: bytes,
    copy: copy,
  };
})();
