/* Record from the microphone on the upload page (MediaRecorder). The recording becomes
   a file like any other — WebM/Opus where the browser can, which the media probe reads —
   and is handed to upload.js through a "hark:recorded" event on the form. */
"use strict";

(function () {
  var form = document.getElementById("upload-form");
  var box = document.getElementById("recorder");
  if (!form || !box) return;
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var startButton = document.getElementById("record-start");
  var stopButton = document.getElementById("record-stop");
  var live = document.getElementById("record-live");
  var elapsed = document.getElementById("record-elapsed");
  var help = document.getElementById("record-help");
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
  var recorder = null;
  var clock = null;
  box.hidden = false;

  function mimeType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  function extension(type) {
    if (type.indexOf("ogg") >= 0) return "ogg";
    if (type.indexOf("mp4") >= 0) return "m4a";
    return "webm";
  }

  function stamp(date) {
    function two(n) {
      return (n < 10 ? "0" : "") + n;
    }
    return (
      date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " +
      two(date.getHours()) + "." + two(date.getMinutes()) + "." + two(date.getSeconds())
    );
  }

  function showing(recording) {
    live.hidden = !recording;
    startButton.hidden = recording;
    help.hidden = recording;
  }

  startButton.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(
      function (stream) {
        var type = mimeType();
        var chunks = [];
        var began = Date.now();
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data && event.data.size) chunks.push(event.data);
        });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (track) {
            track.stop();
          });
          clearInterval(clock);
          showing(false);
          var used = recorder.mimeType || type || "audio/webm";
          var name = "Recording " + stamp(new Date(began)) + "." + extension(used);
          var file = new File(chunks, name, { type: used.split(";")[0] });
          form.dispatchEvent(new CustomEvent("hark:recorded", { detail: { file: file } }));
        });
        recorder.start(1000);
        elapsed.textContent = "0:00";
        // The clock the person watches, not a poll: it reads the time since the start.
        clock = setInterval(function () {
          elapsed.textContent = Hark.duration((Date.now() - began) / 1000);
        }, 250);
        showing(true);
      },
      function () {
        help.textContent =
          "The browser did not allow the microphone. Allow it for this site and try again, or upload a file.";
      }
    );
  });

  stopButton.addEventListener("click", function () {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
})();
