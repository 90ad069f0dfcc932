/* A transcript that follows the audio. Progress while a transcription or translation
   runs is htmx's (templates/jobs/partials/job_progress.html,
   templates/translation/partials/translation_progress.html). */
"use strict";

(function () {
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
