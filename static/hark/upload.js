/* New transcription: drop or pick files (or record one, record.js), choose options the
   engine supports, upload with progress to the API, then go to the job's page — or, for
   several files (one job each, POST /api/v1/transcribe/batch/), to the dashboard, unless
   a file was refused: then each file's result is listed here. */
"use strict";

(function () {
  var form = document.getElementById("upload-form");
  if (!form) return;
  var engines = JSON.parse(document.getElementById("engines-data").textContent);
  var fileInput = document.getElementById("file");
  var urlInput = document.getElementById("media-url");
  var dropzone = document.getElementById("dropzone");
  var dropTitle = document.getElementById("drop-title");
  var dropHint = document.getElementById("drop-hint");
  var model = document.getElementById("model");
  var language = document.getElementById("language");
  var modelNotes = document.getElementById("model-notes");
  var price = document.getElementById("price");
  var errorBox = document.getElementById("upload-error");
  var statusBox = document.getElementById("upload-status");
  var statusLabel = document.getElementById("upload-label");
  var statusNumbers = document.getElementById("upload-numbers");
  var progress = document.getElementById("upload-progress");
  var submit = document.getElementById("submit");
  var preferField = document.getElementById("prefer-field");
  var fallbackChecks = Array.prototype.slice.call(form.querySelectorAll("[data-fallback]"));
  var fallbacksHelp = document.getElementById("fallbacks-help");
  var fallbacksNone = document.getElementById("fallbacks-none");
  var trimFrom = document.getElementById("trim-from");
  var trimTill = document.getElementById("trim-till");
  var translateTo = document.getElementById("translate-to");
  var translateAuto = document.getElementById("translate-to-auto");
  var translateNone = document.getElementById("translate-to-none");
  var translateHelp = document.getElementById("translate-to-help");
  var offer = JSON.parse(document.getElementById("translation-data").textContent);
  var maxBytes = Number(form.dataset.maxBytes);
  var batchMax = Number(form.dataset.batchMax);
  var fileList = document.getElementById("file-list");
  var batchResults = document.getElementById("batch-results");
  var chosenFiles = [];
  var EMPTY_TITLE = "Drop audio or video files here";

  var UNAVAILABLE = "Not available with this model.";

  function engine() {
    for (var i = 0; i < engines.length; i++) {
      if (engines[i].name === model.value) return engines[i];
    }
    return engines[0];
  }

  function applyEngine() {
    var info = engine();
    if (!info) return;
    var previous = language.value;
    language.innerHTML = "";
    info.languages.forEach(function (lang) {
      var option = document.createElement("option");
      option.value = lang.code;
      option.textContent = lang.name;
      language.appendChild(option);
    });
    // The organization's default language (Settings) until someone picks another.
    if (previous) language.value = previous;
    else if (language.dataset.default) language.value = language.dataset.default;
    if (!language.value && language.options.length) language.selectedIndex = 0;
    language.disabled = info.languages.length < 2;
    modelNotes.textContent = info.notes || "";
    price.textContent =
      info.price_per_minute + (Number(info.price_per_minute) === 1 ? " credit" : " credits") + " per minute";

    ["diarization", "word_timestamps", "translation"].forEach(function (capability) {
      var wrapper = form.querySelector('[data-capability="' + capability + '"]');
      var input = wrapper.querySelector("input");
      var help = wrapper.querySelector("[data-help]");
      if (!help.dataset.original) help.dataset.original = help.textContent;
      var supported = Boolean(info[capability]);
      input.disabled = !supported;
      if (!supported) input.checked = false;
      wrapper.classList.toggle("disabled", !supported);
      help.textContent = supported ? help.dataset.original : UNAVAILABLE;
    });
    var vocabulary = form.querySelector('[data-capability="vocabulary"]');
    vocabulary.hidden = !info.vocabulary;
    vocabulary.querySelector("input").disabled = !info.vocabulary;
    applyRouting(info);
    applyTranslation();
  }

  // Targets reachable from the language the transcript will be in: English when the
  // engine translates the speech, every target while the language is to be detected.
  function applyTranslation() {
    var speech = document.getElementById("translate");
    var source = speech.checked && !speech.disabled ? "en" : language.value;
    var targets = [];
    if (source) {
      targets = offer.targets[source] || [];
    } else {
      Object.keys(offer.targets).forEach(function (from) {
        offer.targets[from].forEach(function (code) {
          if (targets.indexOf(code) < 0) targets.push(code);
        });
      });
    }
    targets = targets
      .filter(function (code) {
        return code !== source;
      })
      .sort(function (a, b) {
        return offer.names[a].localeCompare(offer.names[b]);
      });
    var previous = translateTo.value;
    translateTo.length = 1;
    targets.forEach(function (code) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = offer.names[code] + " (up to " + offer.per_minute[code] + " credits per minute)";
      translateTo.appendChild(option);
    });
    translateTo.value = targets.indexOf(previous) >= 0 ? previous : "";
    translateTo.disabled = targets.length === 0;
    translateNone.hidden = targets.length > 0;
    translateHelp.hidden = targets.length === 0;
    translateAuto.hidden = Boolean(source) || targets.length === 0;
  }

  // Prefer only means something to Automatic; a model cannot fall back to itself.
  function applyRouting(info) {
    preferField.hidden = info.name !== "auto";
    var offered = 0;
    fallbackChecks.forEach(function (wrapper) {
      var input = wrapper.querySelector("input");
      var own = wrapper.dataset.fallback === info.name;
      wrapper.hidden = own;
      input.disabled = own;
      if (own) input.checked = false;
      else offered++;
    });
    fallbacksHelp.hidden = offered === 0;
    fallbacksNone.hidden = offered > 0;
  }

  // "90", "90.5", "1:30" or "1:02:03" → seconds; null when empty. What does not read as
  // a time is passed on as typed, so the API answers with its own sentence.
  var CLOCK = /^\d+(\.\d+)?$|^\d+:[0-5]?\d(\.\d+)?$|^\d+:[0-5]?\d:[0-5]?\d(\.\d+)?$/;

  function seconds(input) {
    var text = input.value.trim();
    if (!text) return null;
    if (!CLOCK.test(text)) return text;
    return text.split(":").reduce(function (total, part) {
      return total * 60 + Number(part);
    }, 0);
  }

  // The API's own sentence, before a large file is sent only to be refused.
  function trimProblem(values) {
    if (typeof values.from === "number" && typeof values.till === "number" && values.till <= values.from) {
      return "till must be later than from.";
    }
    return "";
  }

  function showError(message, html) {
    errorBox.hidden = false;
    errorBox.innerHTML = "";
    errorBox.appendChild(document.createTextNode(message));
    if (html) errorBox.appendChild(html);
    errorBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function oversized() {
    return chosenFiles.filter(function (file) {
      return file.size > maxBytes;
    });
  }

  function clearFiles() {
    chosenFiles = [];
    fileInput.value = "";
    dropzone.classList.remove("has-file");
    dropTitle.textContent = EMPTY_TITLE;
    fileList.hidden = true;
    fileList.innerHTML = "";
  }

  function choose(files) {
    clearError();
    batchResults.hidden = true;
    chosenFiles = Array.prototype.slice.call(files || []);
    dropzone.classList.toggle("has-file", chosenFiles.length > 0);
    fileList.innerHTML = "";
    fileList.hidden = chosenFiles.length < 2;
    if (!chosenFiles.length) {
      dropTitle.textContent = EMPTY_TITLE;
      return;
    }
    // A file and a link are alternatives: choosing one clears the other.
    if (urlInput) urlInput.value = "";
    var total = chosenFiles.reduce(function (sum, file) {
      return sum + file.size;
    }, 0);
    if (chosenFiles.length === 1) {
      dropTitle.textContent = chosenFiles[0].name;
    } else {
      dropTitle.textContent = chosenFiles.length + " files";
      chosenFiles.forEach(function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " · " + Hark.bytes(file.size);
        fileList.appendChild(item);
      });
    }
    dropHint.textContent = Hark.bytes(total) + " · click or drop to choose again";
    if (chosenFiles.length > batchMax) {
      showError("Choose at most " + batchMax + " files at once; upload the rest afterwards.");
      return;
    }
    var big = oversized();
    if (big.length) {
      showError(
        big.map(function (file) {
          return file.name;
        }).join(", ") + (big.length === 1 ? " is" : " are") + " over the " + form.dataset.maxMb +
          " MB limit. Split or compress (e.g. to MP3 or Opus) and try again."
      );
    }
  }

  // A recording from record.js is chosen like a dropped file.
  form.addEventListener("hark:recorded", function (event) {
    choose([event.detail.file]);
  });

  fileInput.addEventListener("change", function () {
    choose(fileInput.files);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.remove("dragging");
    });
  });
  dropzone.addEventListener("drop", function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) {
      try {
        fileInput.files = files;
      } catch (e) {
        /* older browsers: chosenFiles below is what gets sent */
      }
      choose(files);
    }
  });

  // A drop anywhere else on the page would make the browser open the file instead.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) {
      if (!dropzone.contains(event.target)) event.preventDefault();
    });
  });

  if (urlInput) {
    urlInput.addEventListener("input", function () {
      if (urlInput.value.trim() && chosenFiles.length) clearFiles();
      clearError();
    });
  }

  model.addEventListener("change", applyEngine);
  language.addEventListener("change", applyTranslation);
  document.getElementById("translate").addEventListener("change", applyTranslation);
  [trimFrom, trimTill].forEach(function (input) {
    input.addEventListener("input", clearError);
  });

  function setProgress(percent) {
    progress.setAttribute("aria-valuenow", String(percent));
    progress.querySelector("span").style.width = percent + "%";
  }

  function busy(on) {
    submit.disabled = on;
    submit.textContent = on ? "Uploading…" : "Start transcription";
    fileInput.disabled = on;
  }

  function options() {
    var values = {
      model: model.value,
      // "auto" says "detect" outright, so the organization's default language does not
      // replace a detection chosen here.
      language: language.value || "auto",
      job_type: form.querySelector("input[name=job_type]:checked").value
    };
    ["diarization", "word_timestamps", "summary"].forEach(function (name) {
      values[name] = document.getElementById(name).checked ? "true" : "false";
    });
    var translate = document.getElementById("translate");
    if (translate.checked && !translate.disabled) values.task = "translate";
    if (translateTo.value && !translateTo.disabled) values.translate_to = translateTo.value;
    var vocabulary = document.getElementById("vocabulary");
    if (!vocabulary.disabled && vocabulary.value.trim()) values.vocabulary = vocabulary.value;
    if (!preferField.hidden) values.prefer = form.querySelector("input[name=prefer]:checked").value;
    var fallbacks = fallbackChecks
      .map(function (wrapper) {
        return wrapper.querySelector("input");
      })
      .filter(function (input) {
        return input.checked && !input.disabled;
      })
      .map(function (input) {
        return input.value;
      });
    if (fallbacks.length) values.fallbacks = fallbacks;
    var from = seconds(trimFrom);
    var till = seconds(trimTill);
    if (from !== null) values.from = from;
    if (till !== null) values.till = till;
    return values;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var link = urlInput ? urlInput.value.trim() : "";
    var problem = "";
    if (link && !chosenFiles.length) {
      var body = options();
      problem = trimProblem(body);
      if (problem) {
        showError(problem);
        return;
      }
      body.url = link;
      var request = new XMLHttpRequest();
      request.open("POST", form.dataset.urlAction);
      request.setRequestHeader("Content-Type", "application/json");
      request.setRequestHeader("X-CSRFToken", Hark.csrfToken());
      request.setRequestHeader("Accept", "application/json");
      finish(request);
      busy(true);
      submit.textContent = "Fetching…";
      statusBox.hidden = false;
      statusLabel.textContent = "Fetching the media from the link…";
      statusNumbers.textContent = "";
      setProgress(0);
      request.send(JSON.stringify(body));
      return;
    }
    if (!chosenFiles.length) {
      showError("Choose an audio or video file, record one, or paste a link, first.");
      return;
    }
    if (oversized().length || chosenFiles.length > batchMax) {
      choose(chosenFiles);
      return;
    }
    var values = options();
    problem = trimProblem(values);
    if (problem) {
      showError(problem);
      return;
    }
    var data = new FormData();
    chosenFiles.forEach(function (file) {
      data.append("file", file, file.name);
    });
    var batch = chosenFiles.length > 1;
    Object.keys(values).forEach(function (name) {
      // Lists go as repeated fields (fallbacks=a&fallbacks=b), as the API reads them.
      [].concat(values[name]).forEach(function (value) {
        data.append(name, String(value));
      });
    });

    var xhr = new XMLHttpRequest();
    xhr.open("POST", batch ? form.dataset.batchAction : form.action);
    xhr.setRequestHeader("X-CSRFToken", Hark.csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      setProgress(percent);
      statusNumbers.textContent = Hark.bytes(e.loaded) + " of " + Hark.bytes(e.total);
      if (e.loaded >= e.total) statusLabel.textContent = "Checking the audio…";
    };
    if (batch) finishBatch(xhr);
    else finish(xhr);
    busy(true);
    statusBox.hidden = false;
    statusLabel.textContent = batch ? "Uploading " + chosenFiles.length + " files…" : "Uploading…";
    setProgress(0);
    xhr.send(data);
  });

  // Several files: each got its own job or its own sentence. All queued: on to the
  // dashboard; otherwise each file's result stays on screen.
  function finishBatch(xhr) {
    xhr.onload = function () {
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      busy(false);
      statusBox.hidden = true;
      if (!(xhr.status >= 200 && xhr.status < 300 && body && body.results)) {
        showError((body && body.message) || "The upload failed (HTTP " + xhr.status + "). Please try again.");
        return;
      }
      if (!body.failed) {
        statusLabel.textContent = "Uploaded. Opening your transcriptions…";
        window.location.assign(form.dataset.dashboardUrl);
        return;
      }
      batchResults.innerHTML = "";
      body.results.forEach(function (result) {
        var item = document.createElement("li");
        var name = document.createElement("strong");
        name.textContent = result.filename;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" — "));
        if (result.id) {
          item.className = "ok";
          var link = document.createElement("a");
          link.href = form.dataset.jobUrl.replace("00000000-0000-0000-0000-000000000000", result.id);
          link.textContent = "queued, open it";
          item.appendChild(link);
        } else {
          item.className = "failed";
          item.dataset.error = result.error;
          item.appendChild(document.createTextNode(result.message));
        }
        batchResults.appendChild(item);
      });
      var more = document.createElement("li");
      var dashboard = document.createElement("a");
      dashboard.href = form.dataset.dashboardUrl;
      dashboard.textContent = "See all your transcriptions";
      more.appendChild(dashboard);
      batchResults.appendChild(more);
      batchResults.hidden = false;
      clearFiles();
      batchResults.scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
    xhr.onerror = function () {
      busy(false);
      statusBox.hidden = true;
      showError("The upload was interrupted. Check your connection and try again.");
    };
  }

  // What happens when the API answers, for an upload and for a link alike.
  function finish(xhr) {
    xhr.onload = function () {
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.id) {
        statusLabel.textContent = "Uploaded. Opening the transcription…";
        window.location.assign(form.dataset.jobUrl.replace("00000000-0000-0000-0000-000000000000", body.id));
        return;
      }
      busy(false);
      statusBox.hidden = true;
      var message = (body && body.message) || "The upload failed (HTTP " + xhr.status + "). Please try again.";
      if (xhr.status === 402) {
        var link = document.createElement("a");
        link.href = form.dataset.walletUrl;
        link.textContent = "See your wallet";
        var extra = document.createElement("span");
        extra.appendChild(document.createTextNode(" "));
        extra.appendChild(link);
        extra.appendChild(document.createTextNode("."));
        showError(message, extra);
      } else {
        showError(message);
      }
    };
    xhr.onerror = function () {
      busy(false);
      statusBox.hidden = true;
      showError("The upload was interrupted. Check your connection and try again.");
    };
  }

  applyEngine();
})();
