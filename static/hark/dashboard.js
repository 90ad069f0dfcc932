/* Dashboard: keep status, progress and credits live while any listed job is unfinished. */
"use strict";

(function () {
  var table = document.getElementById("jobs");
  if (!table) return;
  var POLL_MS = 2000;
  var apiUrl = table.dataset.apiUrl;

  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("tr[data-job-id]"));
  }

  function unfinished() {
    return rows().filter(function (row) {
      return !Hark.isFinished(row.dataset.status);
    });
  }

  function render(row, job) {
    row.dataset.status = job.status;
    Hark.setBadge(row.querySelector("[data-role=badge]"), job.status);
    Hark.setProgress(row.querySelector("[data-role=progress]"), job.status, job.progress);
    var cell = row.querySelector("[data-role=credits]");
    if (!cell) return;
    if (job.credits_used !== null && job.credits_used !== undefined) {
      cell.textContent = Hark.credits(job.credits_used);
    } else if (Hark.isFinished(job.status)) {
      cell.textContent = job.status === "completed" ? "—" : "0";
    }
  }

  function fetchOne(row) {
    var url = apiUrl + encodeURIComponent(row.dataset.jobId) + "/";
    return Hark.getJSON(url).then(function (job) {
      render(row, job);
    });
  }

  function tick() {
    var waiting = unfinished();
    if (!waiting.length) return;
    if (document.hidden) {
      setTimeout(tick, POLL_MS);
      return;
    }
    // Unfinished jobs are nearly always the newest, so one list request covers them;
    // any that fall outside it (an old page) are fetched one by one.
    var limit = Math.min(100, Math.max(20, rows().length));
    Hark.getJSON(apiUrl + "?limit=" + limit)
      .then(function (data) {
        var byId = {};
        (data.results || []).forEach(function (job) {
          byId[job.id] = job;
        });
        var missing = [];
        waiting.forEach(function (row) {
          var job = byId[row.dataset.jobId];
          if (job) render(row, job);
          else missing.push(fetchOne(row));
        });
        return Promise.all(missing);
      })
      .then(
        function () {
          setTimeout(tick, POLL_MS);
        },
        function () {
          // A blip (deploy, network): back off a little, then carry on.
          setTimeout(tick, POLL_MS * 3);
        }
      );
  }

  setTimeout(tick, POLL_MS);
})();
