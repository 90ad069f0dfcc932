/* Dates and times in the reader's own locale and time zone.

   The server writes every moment in UTC, inside <time datetime="…" data-local="kind">
   ({% local_time %} in hark_format): that text stays for readers without JavaScript.
   Here it is rewritten with Intl.DateTimeFormat in the browser's locale and zone; a
   relative one ("3 minutes ago") keeps its text and gets the full local date-time as its
   title. Fragments htmx swaps in (dashboard rows every 2 s) are rewritten as they land. */
"use strict";

(function () {
  var STYLES = {
    datetime: { dateStyle: "medium", timeStyle: "short" },
    date: { dateStyle: "medium" },
    time: { timeStyle: "short" },
    seconds: { dateStyle: "medium", timeStyle: "medium" },
    clock: { timeStyle: "medium" },
  };
  var FULL = { dateStyle: "full", timeStyle: "long" };
  var formatters = {};

  function formatter(kind, options, zone) {
    var key = kind + "|" + (zone || "");
    if (!formatters[key]) {
      var withZone = Object.assign({}, options);
      if (zone) withZone.timeZone = zone;
      formatters[key] = new Intl.DateTimeFormat(undefined, withZone);
    }
    return formatters[key];
  }

  function localize(el) {
    var value = el.getAttribute("datetime");
    var kind = el.getAttribute("data-local");
    if (!value || !kind) return;
    var when = new Date(value);
    if (isNaN(when.getTime())) return;
    // A calendar day ("2026-12-05") is that day everywhere, not UTC midnight moved.
    var zone = value.indexOf("T") === -1 ? "UTC" : "";
    if (kind === "relative") {
      el.title = formatter("full", FULL, zone).format(when);
    } else if (STYLES[kind]) {
      el.textContent = formatter(kind, STYLES[kind], zone).format(when);
      if (!zone) el.title = formatter("full", FULL, zone).format(when);
    }
  }

  function localizeWithin(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("time[data-local]")) localize(root);
    root.querySelectorAll("time[data-local]").forEach(localize);
  }

  localizeWithin(document);
  document.addEventListener("htmx:load", function (event) {
    localizeWithin(event.target);
  });
})();
