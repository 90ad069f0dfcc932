/* A transcript that follows the audio. The transcription page's progress is htmx's
   (templates/jobs/partials/job_progress.html); the translation page still follows its
   API here (data-api-url) until it moves to htmx too. */
"use strict";

(function () {
  var root = document.getElementById("job");
  if (!root) return;
  var POLL_MS = 2000;

  function poll() {
    if (Hark.isFinished(root.dataset.status)) return;
    Hark.getJSON(root.dataset.apiUrl).then(
      function (job) {
        root.dataset.status = job.status;
        Hark.setBadge(root.querySelector("[data-role=badge]"), job.status);
        Hark.setProgress(root.querySelector("[data-role=progress]"), job.status, job.progress);
        var text = root.querySelector("[data-role=progress-text]");
        if (text) text.textContent = (job.status === "completed" ? 100 : job.progress) + "%";
        var label = root.querySelector("[data-role=progress-label]");
        if (label && job.status === "processing") label.textContent = root.dataset.workingLabel || "Transcribing…";
        if (Hark.isFinished(job.status)) {
          // The transcript, summary and downloads are rendered by the server.
          window.location.reload();
          return;
        }
        setTimeout(poll, POLL_MS);
      },
      function () {
        setTimeout(poll, POLL_MS * 3);
      }
    );
  }
  if (root.dataset.apiUrl && !Hark.isFinished(root.dataset.status)) setTimeout(poll, POLL_MS);

  var audio = document.getElementById("player");
  var list = document.getElementById("transcript");
  if (!audio || !list) return;
  var buttons = Array.prototype.slice.call(list.querySelectorAll(".segment"));
  var starts = buttons.map(function (b) {
    return parseFloat(b.dataset.start);
  });
  var active = null;

  // The last segment that starts at or before t (segments are in time order).
  function indexAt(t) {
    var lo = 0;
    var hi = starts.length - 1;
    var found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  function visible(el) {
    var rect = el.getBoundingClientRect();
    return rect.top >= 0 && rect.bottom <= window.innerHeight;
  }

  function highlight() {
    var i = indexAt(audio.currentTime);
    var button = i >= 0 && audio.currentTime <= parseFloat(buttons[i].dataset.end) + 1.5 ? buttons[i] : null;
    if (button === active) return;
    if (active) {
      active.classList.remove("active");
      active.removeAttribute("aria-current");
    }
    active = button;
    if (!active) return;
    active.classList.add("active");
    active.setAttribute("aria-current", "true");
    if (!audio.paused && !visible(active)) active.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      audio.currentTime = parseFloat(button.dataset.start);
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function () {
          /* autoplay refused: the position is still set, the user can press play */
        });
      }
      highlight();
    });
  });

  audio.addEventListener("timeupdate", highlight);
  audio.addEventListener("seeked", highlight);
})();
