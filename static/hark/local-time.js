/* Dates and times in the reader's own locale and time zone.

   The server writes every moment in UTC, inside <time datetime="…" data-local="kind">
   ({% local_time %} in hark_format): that text stays for readers without JavaScript.
   Here it is rewritten with Intl.DateTimeFormat in the browser's locale and zone. A
   relative one ("3 minutes ago") is said in the page's language (Intl.RelativeTimeFormat
   with <html lang>, so the words match the page around them), gets the full local
   date-time as its title, and is said again every 30 s: a page left open (or a row htmx
   swapped in a while ago) never shows a time that has gone stale. Fragments htmx swaps
   in (dashboard rows every 2 s) are rewritten as they land. */
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
  var relative = null;
  // Largest unit first: "2 days ago", not "49 hours ago".
  var UNITS = [
    ["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
    ["hour", 3600], ["minute", 60], ["second", 1],
  ];

  function said(when) {
    if (!relative) {
      var lang = document.documentElement.lang || "en";
      relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    }
    var seconds = Math.round((when.getTime() - Date.now()) / 1000);
    for (var i = 0; i < UNITS.length; i++) {
      var size = UNITS[i][1];
      if (Math.abs(seconds) >= size || size === 1) {
        return relative.format(Math.trunc(seconds / size), UNITS[i][0]);
      }
    }
    return "";
  }

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
      el.textContent = said(when);
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
  window.setInterval(function () {
    document.querySelectorAll('time[data-local="relative"]').forEach(localize);
  }, 30000);
  document.addEventListener("htmx:load", function (event) {
    localizeWithin(event.target);
  });
})();
