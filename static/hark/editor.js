/* The transcript editor: every change goes to the editing API with the version the page
   has, one at a time, so a stale page is refused rather than overwriting someone's work.
   Stored text only ever reaches the page through textContent and new Option().

   The translation page runs it in its aligned mode (data-mode="translation"): each row
   shows the original's text beside the translated text, which is what is edited; rows
   are never split or merged (they stay one-to-one with the original's), have no word
   times of their own, and follow the audio a line at a time. */
"use strict";

(function () {
  var root = document.getElementById("editor");
  if (!root) return;
  var ALIGNED = root.dataset.mode === "translation";
  // Segment id → {text} of the original, rendered by the server beside each row.
  var SOURCE = ALIGNED ? JSON.parse(document.getElementById("source-rows").textContent) : {};

  var API = root.dataset.apiUrl;
  // On the review desk, a review of just the doubtful segments: the others are shown
  // greyed, for context, and are not editable (null: the whole transcript).
  var focusNode = document.getElementById("focus-segments");
  var FOCUS = focusNode ? JSON.parse(focusNode.textContent) : null;
  var LOW = parseFloat(root.dataset.lowConfidence) || 0.6;
  var SAVE_DELAY_MS = 1200;
  var SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
  var ACCEPTED_KEY = "hark.editor.accepted." + root.dataset.jobId;
  var CONFLICT_TEXT = ALIGNED
    ? "This translation was changed in another tab or by someone else. Reload to see the latest version; your last change was not saved."
    : "This transcript was changed in another tab or by someone else. Reload to see the latest version; your last change was not saved.";

  var list = document.getElementById("segments");
  var audio = document.getElementById("player");
  var dialog = role("shortcuts");

  var doc = null; // the transcript as the API last described it
  var rows = {}; // segment id → {id, li, text, select, chip, timer}
  var wordSpans = []; // timed word spans in time order, for following the audio
  var nowSpan = null;
  var nowRow = null;
  var queue = Promise.resolve();
  var pending = 0;
  var conflicted = false;
  var lastCaret = null; // {id, offset}: where the cursor was last in a segment
  var reviewKey = null;
  var accepted = loadAccepted();

  function role(name) {
    return root.querySelector("[data-role=" + name + "]");
  }

  function action(name) {
    return root.querySelector("[data-action=" + name + "]");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function normalize(text) {
    return (text || "").split(/\s+/).filter(Boolean).join(" ");
  }

  function stamp(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var two = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }

  // --- Talking to the API -----------------------------------------------------------

  function request(method, path, body) {
    return fetch(API + path, {
      method: method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": Hark.csrfToken(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (response.ok) return data;
          var error = new Error(data.message || "The server answered " + response.status + ".");
          error.status = response.status;
          throw error;
        });
    });
  }

  // One change at a time, each sent with the version the previous one left: a change
  // made on a stale page is refused by the server, never merged over someone else's.
  // ``body`` is called when the change's turn comes; returning null skips it.
  function change(method, path, body) {
    var run = queue.then(function () {
      if (conflicted) return null;
      var payload = body();
      if (payload === null) return null;
      payload.version = doc.version;
      pending += 1;
      showState();
      return request(method, path, payload).then(
        function (answer) {
          pending -= 1;
          hideError();
          if (answer.version) doc.version = answer.version;
          showState();
          return answer;
        },
        function (error) {
          pending -= 1;
          if (error.status === 409) showConflict(error.message);
          else showError(error.message || "Your change could not be saved. Check your connection.");
          showState();
          return null;
        }
      );
    });
    queue = run.catch(function () {
      return null;
    });
    return run;
  }

  // --- Messages ----------------------------------------------------------------------

  function dirtyRows() {
    return Object.keys(rows)
      .map(function (id) {
        return rows[id];
      })
      .filter(isDirty);
  }

  function isDirty(row) {
    var segment = segmentById(row.id);
    return !!segment && normalize(row.text.textContent) !== segment.text;
  }

  function showState() {
    var label = role("save-state");
    var version = role("version");
    if (doc) version.textContent = "Version " + doc.version;
    if (conflicted) label.textContent = "Not saved";
    else if (pending) label.textContent = "Saving…";
    else if (dirtyRows().length) label.textContent = "Unsaved changes";
    else label.textContent = doc ? "All changes saved" : "Loading…";
    if (doc) {
      action("undo").disabled = conflicted || !doc.can_undo;
      action("redo").disabled = conflicted || !doc.can_redo;
    }
  }

  function showError(message) {
    var box = role("error");
    box.textContent = message;
    box.hidden = false;
  }

  function hideError() {
    role("error").hidden = true;
  }

  // The page stops sending: whatever it sends next would be refused too. The person's
  // unsaved words stay where they typed them and in a box they can copy from.
  function showConflict(serverMessage) {
    conflicted = true;
    Object.keys(rows).forEach(function (id) {
      clearTimeout(rows[id].timer);
    });
    var box = role("conflict");
    role("conflict-message").textContent = CONFLICT_TEXT;
    var detail = box.querySelector("[data-role=conflict-detail]");
    if (!detail) {
      detail = el("p", "small");
      detail.dataset.role = "conflict-detail";
      role("conflict-message").parentNode.after(detail);
    }
    if (serverMessage) detail.textContent = serverMessage;
    var unsaved = dirtyRows().map(function (row) {
      return normalize(row.text.textContent);
    });
    role("unsaved").value = unsaved.join("\n\n");
    role("unsaved-box").hidden = unsaved.length === 0;
    action("copy-unsaved").hidden = unsaved.length === 0;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // --- Rendering -----------------------------------------------------------------------

  function segmentById(id) {
    if (!doc) return null;
    for (var i = 0; i < doc.segments.length; i++) {
      if (doc.segments[i].id === id) return doc.segments[i];
    }
    return null;
  }

  function speakerById(id) {
    if (!doc || !id) return null;
    for (var i = 0; i < doc.speakers.length; i++) {
      if (doc.speakers[i].id === id) return doc.speakers[i];
    }
    return null;
  }

  // Words carry times only when they match the text's tokens one for one (an engine
  // without word times stores none).
  function tokensOf(segment) {
    var tokens = segment.text.split(/\s+/).filter(Boolean);
    // A translation's word times are only spread over its line: nothing to follow or mark.
    var words = ALIGNED ? [] : segment.words || [];
    return tokens.map(function (token, i) {
      return { text: token, word: words.length === tokens.length ? words[i] : null };
    });
  }

  // By time and text, not segment: a word keeps its time through splits and merges, so
  // an accepted word stays accepted.
  function wordKey(word, token) {
    return Number(word.start).toFixed(2) + ":" + token;
  }

  function isDoubtful(word) {
    return !!word && word.aligned !== false && Number(word.confidence) < LOW;
  }

  function renderText(box, segment) {
    box.textContent = "";
    tokensOf(segment).forEach(function (token, i) {
      if (i) box.appendChild(document.createTextNode(" "));
      var span = el("span", "w", token.text);
      span.dataset.index = String(i);
      var word = token.word;
      if (word) {
        span.dataset.start = String(word.start);
        span.dataset.end = String(word.end);
        if (word.aligned === false) {
          span.classList.add("w-unaligned");
          span.title = "Typed in: its time is estimated";
        } else if (isDoubtful(word)) {
          var key = wordKey(word, token.text);
          span.dataset.key = key;
          span.title = "The engine was unsure (" + Math.round(word.confidence * 100) + "%)";
          if (accepted.indexOf(key) === -1) span.classList.add("w-low");
          if (key === reviewKey) span.classList.add("w-review");
        }
      }
      box.appendChild(span);
    });
  }

  function speakerOptions(select, current) {
    select.textContent = "";
    select.appendChild(new Option("No speaker", ""));
    doc.speakers.forEach(function (speaker) {
      select.appendChild(new Option(speaker.name, speaker.id));
    });
    select.appendChild(new Option("New speaker…", "__new__"));
    select.value = current || "";
  }

  function fillHead(row, segment) {
    var speaker = speakerById(segment.speaker);
    row.chip.style.background = (speaker && speaker.color) || "transparent";
    row.time.textContent = stamp(segment.start);
    row.time.title = "Play from " + stamp(segment.start);
    if (row.select) speakerOptions(row.select, segment.speaker);
    if (row.speakerName) row.speakerName.textContent = speaker ? speaker.name : "";
    row.li.classList.toggle("ed-edited", !!segment.edited);
    row.text.setAttribute("aria-label", "Text from " + stamp(segment.start));
  }

  // A translation's row: the time and speaker, then the original beside the translation.
  function buildAlignedRow(segment) {
    var li = el("li", "ed-seg ed-pair-row");
    li.dataset.id = segment.id;
    var head = el("div", "ed-seg-head");
    var time = el("button", "ed-time");
    time.type = "button";
    var chip = el("span", "ed-chip");
    chip.setAttribute("aria-hidden", "true");
    var speakerName = el("span", "ed-speaker-name");
    head.append(time, chip, speakerName);
    var pair = el("div", "ed-pair");
    var source = el("div", "ed-source", (SOURCE[segment.id] || {}).text || "");
    source.title = "Play from here";
    // On a phone the columns' heading is hidden: the original says what it is.
    source.dataset.label = root.dataset.sourceLabel || "";
    var text = el("div", "ed-text");
    text.contentEditable = "true";
    text.spellcheck = true;
    text.setAttribute("role", "textbox");
    pair.append(source, text);
    li.append(head, pair);
    var row = { id: segment.id, li: li, text: text, select: null, speakerName: speakerName, chip: chip, time: time, timer: null };
    fillHead(row, segment);
    renderText(text, segment);
    [time, source].forEach(function (node) {
      node.addEventListener("click", function () {
        seek(segmentById(row.id).start, true);
      });
    });
    listenForTyping(row);
    return row;
  }

  function buildRow(segment) {
    if (ALIGNED) return buildAlignedRow(segment);
    var li = el("li", "ed-seg");
    li.dataset.id = segment.id;
    var head = el("div", "ed-seg-head");
    var time = el("button", "ed-time");
    time.type = "button";
    var chip = el("span", "ed-chip");
    chip.setAttribute("aria-hidden", "true");
    var select = el("select", "ed-speaker");
    select.setAttribute("aria-label", "Speaker");
    var split = el("button", "btn small ed-split", "Split");
    split.type = "button";
    split.title = "Split at the cursor (Alt+Enter)";
    var merge = el("button", "btn small ed-merge", "Merge ↓");
    merge.type = "button";
    merge.title = "Merge with the next segment (Alt+Backspace)";
    head.append(time, chip, select, el("span", "ed-spacer"), split, merge);
    var text = el("div", "ed-text");
    text.contentEditable = "true";
    text.spellcheck = true;
    text.setAttribute("role", "textbox");
    li.append(head, text);
    var row = { id: segment.id, li: li, text: text, select: select, chip: chip, time: time, timer: null };
    fillHead(row, segment);
    renderText(text, segment);
    if (FOCUS && FOCUS.indexOf(segment.id) === -1) {
      li.classList.add("ed-context");
      li.title = "Not part of this review: shown for context";
      text.contentEditable = "false";
      text.removeAttribute("role");
      [select, split, merge].forEach(function (control) {
        control.disabled = true;
      });
    } else if (FOCUS) {
      li.classList.add("ed-focus");
    }

    time.addEventListener("click", function () {
      seek(segmentById(row.id).start, true);
    });
    select.addEventListener("change", function () {
      changeSpeaker(row);
    });
    // Keep the cursor in the text when a button is pressed with the mouse.
    [split, merge].forEach(function (button) {
      button.addEventListener("mousedown", function (event) {
        event.preventDefault();
      });
    });
    split.addEventListener("click", function () {
      splitAt(row);
    });
    merge.addEventListener("click", function () {
      mergeNext(row);
    });
    listenForTyping(row);
    text.addEventListener("click", function (event) {
      var span = event.target.closest(".w");
      var selection = window.getSelection();
      if (span && span.dataset.start && selection && selection.isCollapsed) {
        seek(parseFloat(span.dataset.start), false);
      }
    });
    return row;
  }

  // Autosave, plain-text paste and the caret's place: the same for every kind of row.
  function listenForTyping(row) {
    var text = row.text;
    text.addEventListener("input", function () {
      if (conflicted) {
        showConflict();
        return;
      }
      clearTimeout(row.timer);
      row.timer = setTimeout(function () {
        save(row);
      }, SAVE_DELAY_MS);
      showState();
    });
    text.addEventListener("blur", function () {
      save(row);
    });
    text.addEventListener("paste", function (event) {
      // Plain text only: markup from elsewhere never enters the page.
      event.preventDefault();
      var pasted = (event.clipboardData || window.clipboardData).getData("text");
      document.execCommand("insertText", false, normalize(pasted));
    });
    text.addEventListener("drop", function (event) {
      event.preventDefault();
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.altKey) {
        event.preventDefault();
        save(row);
      }
    });
    ["keyup", "mouseup", "focus"].forEach(function (name) {
      text.addEventListener(name, function () {
        var offset = caretOffset(text);
        if (offset !== null) lastCaret = { id: row.id, offset: offset };
      });
    });
  }

  // A long transcript (thousands of segments) is drawn a screenful first, then the rest
  // in batches between which the page stays responsive: it can be read, played and
  // edited at once instead of after every row exists. A newer render cancels an older.
  var FIRST_ROWS = 40;
  var BATCH_ROWS = 250;
  var renderToken = 0;

  function renderAll() {
    rows = {};
    list.textContent = "";
    var token = ++renderToken;
    var segments = doc.segments;
    var next = 0;
    function batch(size) {
      var fragment = document.createDocumentFragment();
      var stop = Math.min(segments.length, next + size);
      for (; next < stop; next++) {
        var row = buildRow(segments[next]);
        var merge = row.li.querySelector(".ed-merge");
        if (merge) merge.hidden = next === segments.length - 1;
        rows[segments[next].id] = row;
        fragment.appendChild(row.li);
      }
      list.appendChild(fragment);
    }
    batch(FIRST_ROWS);
    role("empty").hidden = segments.length > 0;
    renderSpeakers();
    root.dataset.state = "interactive";
    if (next >= segments.length) {
      afterRender();
      root.dataset.state = "ready";
      return;
    }
    showState();
    list.setAttribute("aria-busy", "true");
    (function more() {
      if (token !== renderToken) return;
      batch(BATCH_ROWS);
      if (next < segments.length) {
        window.setTimeout(more, 0);
        return;
      }
      list.removeAttribute("aria-busy");
      afterRender();
      root.dataset.state = "ready";
    })();
  }

  function afterRender() {
    wordSpans = Array.prototype.slice.call(list.querySelectorAll(".w[data-start]"));
    wordSpans.sort(function (a, b) {
      return parseFloat(a.dataset.start) - parseFloat(b.dataset.start);
    });
    nowSpan = null;
    nowRow = null;
    follow();
    showReviewCount();
    showState();
    if (role("history").open) loadRevisions();
  }

  // A segment's new state from the API; its words are redrawn unless the person typed
  // on while it was being saved (the next save sends that).
  function updateRow(segment, sentText) {
    var index = doc.segments.findIndex(function (s) {
      return s.id === segment.id;
    });
    if (index === -1) return;
    doc.segments[index] = segment;
    doc.can_undo = true;
    doc.can_redo = false;
    var row = rows[segment.id];
    if (!row) return;
    fillHead(row, segment);
    if (sentText === undefined || normalize(row.text.textContent) === sentText) {
      var focused = document.activeElement === row.text;
      var offset = focused ? caretOffset(row.text) : null;
      renderText(row.text, segment);
      if (focused && offset !== null) setCaret(row.text, Math.min(offset, row.text.textContent.length));
    }
    afterRender();
  }

  // --- The cursor ------------------------------------------------------------------------

  function caretOffset(box) {
    var selection = window.getSelection();
    if (!selection || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer)) return null;
    var before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(range.startContainer, range.startOffset);
    return before.toString().length;
  }

  function setCaret(box, offset) {
    var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    var seen = 0;
    var node;
    var range = document.createRange();
    while ((node = walker.nextNode())) {
      if (offset <= seen + node.length) {
        range.setStart(node, offset - seen);
        range.collapse(true);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return;
      }
      seen += node.length;
    }
    range.selectNodeContents(box);
    range.collapse(false);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }

  // Split before the word the cursor is in or just before: the count of words that
  // start before the cursor.
  function wordIndexAt(text, offset) {
    var index = 0;
    var match;
    var pattern = /\S+/g;
    while ((match = pattern.exec(text))) {
      if (match.index >= offset) break;
      if (match.index + match[0].length > offset) return index + 1;
      index += 1;
    }
    return index;
  }

  function rowOf(node) {
    var li = node && node.closest ? node.closest(".ed-seg") : null;
    return li ? rows[li.dataset.id] : null;
  }

  function focusRow(row, atEnd) {
    if (!row) return;
    row.text.focus();
    setCaret(row.text, atEnd ? row.text.textContent.length : 0);
    row.li.scrollIntoView({ block: "nearest" });
  }

  // --- Edits -----------------------------------------------------------------------------

  function save(row) {
    clearTimeout(row.timer);
    row.timer = null;
    // A row redrawn away (after a split, merge or undo) may still report its blur: its
    // old text must not be sent over the new state.
    if (rows[row.id] !== row || !row.li.isConnected) return queue;
    if (conflicted || !isDirty(row)) return queue;
    var sent = null;
    return change("PATCH", "segments/" + row.id + "/", function () {
      var segment = segmentById(row.id);
      sent = normalize(row.text.textContent);
      if (!segment || sent === segment.text) return null;
      if (!sent) {
        showError(
          ALIGNED
            ? "A translated line cannot be empty: it translates what was said."
            : "A segment cannot be empty: merge it with a neighbour instead (Alt+Backspace)."
        );
        return null;
      }
      return { text: sent };
    }).then(function (answer) {
      if (answer && answer.segment) updateRow(answer.segment, sent);
      else showState();
      return answer;
    });
  }

  function saveAll() {
    dirtyRows().forEach(save);
    return queue;
  }

  function changeSpeaker(row) {
    var value = row.select.value;
    if (value === "__new__") {
      var name = window.prompt("The new speaker’s name");
      if (!name || !normalize(name)) {
        row.select.value = segmentById(row.id).speaker || "";
        return;
      }
      addSpeaker(normalize(name)).then(function (speaker) {
        if (speaker) setSpeaker(row, speaker.id);
        else row.select.value = segmentById(row.id).speaker || "";
      });
      return;
    }
    setSpeaker(row, value);
  }

  function setSpeaker(row, speakerId) {
    save(row);
    change("PATCH", "segments/" + row.id + "/", function () {
      return { speaker: speakerId };
    }).then(function (answer) {
      if (answer && answer.segment) updateRow(answer.segment, normalize(row.text.textContent));
      else if (segmentById(row.id)) row.select.value = segmentById(row.id).speaker || "";
    });
  }

  function splitAt(row) {
    if (!row) return;
    var offset = document.activeElement === row.text ? caretOffset(row.text) : null;
    if (offset === null && lastCaret && lastCaret.id === row.id) offset = lastCaret.offset;
    if (offset === null) {
      showError("Put the cursor where the segment should split, then press Split.");
      return;
    }
    var index = wordIndexAt(row.text.textContent, offset);
    var count = normalize(row.text.textContent).split(" ").length;
    if (index < 1 || index >= count) {
      showError("Put the cursor between two words: a split leaves at least one word on each side.");
      return;
    }
    save(row);
    change("POST", "segments/" + row.id + "/split/", function () {
      return { word_index: index };
    }).then(function (answer) {
      if (!answer || !answer.segments) return;
      var at = doc.segments.findIndex(function (s) {
        return s.id === row.id;
      });
      doc.segments.splice(at, 1, answer.segments[0], answer.segments[1]);
      doc.can_undo = true;
      doc.can_redo = false;
      renderAll();
      focusRow(rows[answer.segments[1].id], false);
    });
  }

  function mergeNext(row) {
    if (!row) return;
    var at = doc.segments.findIndex(function (s) {
      return s.id === row.id;
    });
    var next = doc.segments[at + 1];
    if (!next) {
      showError("This is the last segment: there is nothing after it to merge with.");
      return;
    }
    save(row);
    if (rows[next.id]) save(rows[next.id]);
    var joinAt = 0;
    change("POST", "segments/" + row.id + "/merge/", function () {
      joinAt = segmentById(row.id).text.length;
      return {};
    }).then(function (answer) {
      if (!answer || !answer.segment) return;
      var index = doc.segments.findIndex(function (s) {
        return s.id === row.id;
      });
      doc.segments.splice(index, 2, answer.segment);
      doc.can_undo = true;
      doc.can_redo = false;
      renderAll();
      var merged = rows[answer.segment.id];
      merged.text.focus();
      setCaret(merged.text, joinAt);
    });
  }

  function replay(path) {
    saveAll();
    return change("POST", path, function () {
      return {};
    }).then(function (answer) {
      if (answer && answer.segments) {
        doc = answer;
        renderAll();
      }
    });
  }

  function reloadTranscript() {
    return request("GET", "").then(function (answer) {
      doc = answer;
      renderAll();
    });
  }

  // --- Speakers --------------------------------------------------------------------------

  function renderSpeakers() {
    var box = role("speakers");
    if (!box) return;
    box.textContent = "";
    doc.speakers.forEach(function (speaker) {
      var li = el("li", "ed-speaker-row");
      var chip = el("span", "ed-chip");
      chip.style.background = speaker.color || "transparent";
      chip.setAttribute("aria-hidden", "true");
      var input = el("input");
      input.type = "text";
      input.maxLength = 100;
      input.value = speaker.name;
      input.setAttribute("aria-label", "Name of " + (speaker.label || speaker.name));
      var label = el("span", "small muted", speaker.label && speaker.label !== speaker.name ? speaker.label : "");
      li.append(chip, input, label);
      box.appendChild(li);
      function rename() {
        var name = normalize(input.value);
        if (!name || name === speaker.name) {
          input.value = speaker.name;
          return;
        }
        change("PATCH", "speakers/" + speaker.id + "/", function () {
          return { name: name };
        }).then(function (answer) {
          if (!answer || !answer.speaker) {
            input.value = speaker.name;
            return;
          }
          speaker.name = answer.speaker.name;
          doc.can_undo = true;
          doc.can_redo = false;
          refreshSpeakerNames();
        });
      }
      input.addEventListener("change", rename);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          rename();
        }
      });
    });
  }

  // A rename changes the name wherever the speaker appears, without redrawing the text
  // someone may be typing in.
  function refreshSpeakerNames() {
    Object.keys(rows).forEach(function (id) {
      fillHead(rows[id], segmentById(id));
    });
    renderSpeakers();
    showState();
  }

  function addSpeaker(name) {
    return request("POST", "speakers/", { name: name, version: doc.version })
      .then(function (answer) {
        doc.version = answer.version;
        doc.speakers.push(answer.speaker);
        doc.can_undo = true;
        doc.can_redo = false;
        refreshSpeakerNames();
        return answer.speaker;
      })
      .catch(function (error) {
        if (error.status === 409) showConflict(error.message);
        else showError(error.message);
        return null;
      });
  }

  // --- Find and replace ----------------------------------------------------------------------

  var replaceForm = role("replace-form");
  var previewTimer = null;

  function replaceOptions() {
    return {
      find: replaceForm.elements.find.value,
      replace: replaceForm.elements.replace.value,
      whole_word: replaceForm.elements.whole_word.checked,
      case_sensitive: replaceForm.elements.case_sensitive.checked,
    };
  }

  function preview() {
    var options = replaceOptions();
    var out = role("replace-preview");
    var button = action("replace");
    if (!options.find.trim() || !doc) {
      out.textContent = "";
      button.disabled = true;
      button.textContent = "Replace all";
      return;
    }
    options.preview = true;
    options.version = doc.version;
    request("POST", "replace/", options).then(
      function (answer) {
        if (normalize(replaceForm.elements.find.value) !== normalize(options.find)) return;
        var n = answer.replacements;
        out.textContent = n === 0 ? "No matches." : n === 1 ? "1 match." : n + " matches.";
        button.disabled = n === 0 || conflicted;
        button.textContent = n ? "Replace " + n : "Replace all";
      },
      function (error) {
        out.textContent = error.message;
        button.disabled = true;
      }
    );
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 300);
  }

  replaceForm.addEventListener("input", schedulePreview);
  replaceForm.addEventListener("change", schedulePreview);
  replaceForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var options = replaceOptions();
    if (!options.find.trim()) return;
    saveAll();
    change("POST", "replace/", function () {
      return options;
    }).then(function (answer) {
      if (!answer) return;
      var n = answer.replacements;
      role("replace-preview").textContent = "Replaced " + n + (n === 1 ? " place." : " places.");
      action("replace").disabled = true;
      action("replace").textContent = "Replace all";
      reloadTranscript();
    });
  });

  // --- Version history -------------------------------------------------------------------

  function loadRevisions() {
    request("GET", "revisions/").then(function (answer) {
      var box = role("revisions");
      box.textContent = "";
      answer.revisions.forEach(function (revision) {
        var li = el("li", "ed-revision");
        var title = el("div");
        title.append(el("strong", "", "Version " + revision.version), document.createTextNode(" · " + (revision.summary || revision.action)));
        var meta = el("div", "small muted");
        var who = revision.author || revision.api_key || "";
        var when = revision.created_at ? new Date(revision.created_at).toLocaleString() : "";
        meta.textContent = [who, when].filter(Boolean).join(" · ");
        li.append(title, meta);
        if (revision.version === answer.version) {
          li.appendChild(el("span", "badge plain", "Current"));
        } else {
          var restore = el("button", "btn small", "Restore");
          restore.type = "button";
          restore.title = "Make the transcript what it was at version " + revision.version;
          restore.addEventListener("click", function () {
            replay("revisions/" + revision.version + "/restore/");
          });
          li.appendChild(restore);
        }
        box.appendChild(li);
      });
    }, function (error) {
      role("revisions").textContent = "";
      role("revisions").appendChild(el("li", "small", error.message));
    });
  }

  role("history").addEventListener("toggle", function () {
    if (role("history").open) loadRevisions();
  });

  // --- Doubtful words --------------------------------------------------------------------------

  function loadAccepted() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(ACCEPTED_KEY) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (e) {
      return [];
    }
  }

  function storeAccepted() {
    try {
      window.localStorage.setItem(ACCEPTED_KEY, JSON.stringify(accepted));
    } catch (e) {
      /* private browsing: accepted words are remembered for this page only */
    }
  }

  function doubtfulSpans() {
    return Array.prototype.slice.call(list.querySelectorAll(".w.w-low"));
  }

  function showReviewCount() {
    if (!role("review-count")) return;
    var n = doubtfulSpans().length;
    role("review-count").textContent = n === 0 ? "No doubtful words left." : n === 1 ? "1 doubtful word" : n + " doubtful words";
    action("next-doubtful").disabled = n === 0;
    var current = reviewSpan();
    action("accept").disabled = !current;
    action("fix").disabled = !current;
  }

  function reviewSpan() {
    return reviewKey ? list.querySelector('.w[data-key="' + CSS.escape(reviewKey) + '"]') : null;
  }

  function nextDoubtful() {
    var spans = doubtfulSpans();
    var current = reviewSpan();
    if (current) current.classList.remove("w-review");
    if (!spans.length) {
      reviewKey = null;
      showReviewCount();
      return;
    }
    var next = spans[0];
    if (current) {
      for (var i = 0; i < spans.length; i++) {
        // The first doubtful word after the current one, in reading order.
        if (current.compareDocumentPosition(spans[i]) & Node.DOCUMENT_POSITION_FOLLOWING) {
          next = spans[i];
          break;
        }
      }
    }
    reviewKey = next.dataset.key;
    next.classList.add("w-review");
    next.scrollIntoView({ block: "center" });
    seek(Math.max(0, parseFloat(next.dataset.start) - 0.3), false);
    showReviewCount();
  }

  function acceptDoubtful() {
    var span = reviewSpan();
    if (!span) return;
    if (accepted.indexOf(reviewKey) === -1) accepted.push(reviewKey);
    storeAccepted();
    span.classList.remove("w-low");
    nextDoubtful();
  }

  function fixDoubtful() {
    var span = reviewSpan();
    if (!span) return;
    var row = rowOf(span);
    row.text.focus();
    var range = document.createRange();
    range.selectNodeContents(span);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // --- The player --------------------------------------------------------------------------

  function seek(seconds, play) {
    if (!audio || isNaN(seconds)) return;
    audio.currentTime = Math.max(0, seconds);
    if (play) togglePlay(true);
    follow();
  }

  function togglePlay(forcePlay) {
    if (!audio) return;
    if (audio.paused || forcePlay === true) {
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
    } else {
      audio.pause();
    }
  }

  function skip(seconds) {
    if (!audio) return;
    var end = isFinite(audio.duration) ? audio.duration : Infinity;
    seek(Math.min(end, Math.max(0, audio.currentTime + seconds)), false);
  }

  function setSpeed(rate) {
    if (!audio) return;
    audio.playbackRate = rate;
    role("speed").value = String(rate);
  }

  function stepSpeed(direction) {
    var index = SPEEDS.indexOf(audio ? audio.playbackRate : 1);
    if (index === -1) index = 2;
    setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, index + direction))]);
  }

  // The word being spoken: the last that starts at or before now, while it lasts.
  function spanAt(t) {
    var lo = 0;
    var hi = wordSpans.length - 1;
    var found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (parseFloat(wordSpans[mid].dataset.start) <= t + 0.02) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found === -1) return null;
    var span = wordSpans[found];
    return t <= parseFloat(span.dataset.end) + 0.3 ? span : null;
  }

  function visible(node) {
    var rect = node.getBoundingClientRect();
    return rect.top >= 0 && rect.bottom <= window.innerHeight;
  }

  // The line being spoken, for a translation: the last that starts at or before now.
  function alignedRowAt(t) {
    var found = null;
    for (var i = 0; i < doc.segments.length; i++) {
      var segment = doc.segments[i];
      if (segment.start > t + 0.05) break;
      found = t <= segment.end + 1.5 ? segment : null;
    }
    return found ? rows[found.id] || null : null;
  }

  function followRows() {
    var row = doc ? alignedRowAt(audio.currentTime) : null;
    if (row !== nowRow) {
      if (nowRow) nowRow.li.classList.remove("ed-playing");
      nowRow = row;
      if (row) row.li.classList.add("ed-playing");
    }
    var editing = document.activeElement && document.activeElement.closest && document.activeElement.closest(".ed-text");
    if (row && !audio.paused && !editing && !visible(row.li)) row.li.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function follow() {
    if (!audio) return;
    if (ALIGNED) {
      followRows();
      return;
    }
    var span = spanAt(audio.currentTime);
    if (span !== nowSpan) {
      if (nowSpan) nowSpan.classList.remove("w-now");
      nowSpan = span;
      if (span) span.classList.add("w-now");
    }
    var row = span ? rowOf(span) : null;
    if (row !== nowRow) {
      if (nowRow) nowRow.li.classList.remove("ed-playing");
      nowRow = row;
      if (row) row.li.classList.add("ed-playing");
    }
    var editing = document.activeElement && document.activeElement.closest && document.activeElement.closest(".ed-text");
    if (span && !audio.paused && !editing && !visible(span)) span.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function followWhilePlaying() {
    follow();
    if (audio && !audio.paused) window.requestAnimationFrame(followWhilePlaying);
  }

  if (audio) {
    var playButton = action("play");
    audio.addEventListener("play", function () {
      playButton.textContent = "Pause";
      window.requestAnimationFrame(followWhilePlaying);
    });
    audio.addEventListener("pause", function () {
      playButton.textContent = "Play";
      follow();
    });
    audio.addEventListener("seeked", follow);
    audio.addEventListener("timeupdate", follow);
    playButton.addEventListener("click", function () {
      togglePlay();
    });
    action("back").addEventListener("click", function () {
      skip(-5);
    });
    action("forward").addEventListener("click", function () {
      skip(5);
    });
    role("speed").addEventListener("change", function () {
      setSpeed(parseFloat(role("speed").value));
    });
    // ?t=12.3 (search results link like that): start there.
    var start = parseFloat(root.dataset.seek);
    if (!isNaN(start)) {
      var seekOnce = function () {
        audio.currentTime = start;
        follow();
      };
      if (audio.readyState >= 1) seekOnce();
      else audio.addEventListener("loadedmetadata", seekOnce, { once: true });
    }
  }

  // --- Buttons and keys ------------------------------------------------------------------------

  action("undo").addEventListener("click", function () {
    replay("undo/");
  });
  action("redo").addEventListener("click", function () {
    replay("redo/");
  });
  action("shortcuts").addEventListener("click", function () {
    dialog.showModal();
  });
  action("reload").addEventListener("click", function () {
    window.location.reload();
  });
  action("copy-unsaved").addEventListener("click", function () {
    Hark.copy(role("unsaved").value, action("copy-unsaved"));
  });
  if (!ALIGNED) {
    action("next-doubtful").addEventListener("click", nextDoubtful);
    action("accept").addEventListener("click", acceptDoubtful);
    action("fix").addEventListener("click", fixDoubtful);
  }

  if (role("speaker-form")) role("speaker-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = role("speaker-form").elements.name;
    var name = normalize(input.value);
    if (!name) return;
    saveAll().then(function () {
      return addSpeaker(name);
    }).then(function (speaker) {
      if (speaker) input.value = "";
    });
  });

  function focusedRow() {
    return rowOf(document.activeElement);
  }

  function neighbour(row, step) {
    var index = doc.segments.findIndex(function (s) {
      return s.id === row.id;
    });
    var segment = doc.segments[index + step];
    return segment ? rows[segment.id] : null;
  }

  document.addEventListener("keydown", function (event) {
    if (dialog.open || !doc) return;
    var mod = event.ctrlKey || event.metaKey;
    var target = event.target;
    var row = focusedRow();
    var inField = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    var handled = true;
    if (mod && !event.altKey && event.code === "Space") {
      togglePlay();
    } else if (event.altKey && !mod && ALIGNED && /^(KeyN|KeyA|KeyE|Enter|Backspace)$/.test(event.code)) {
      // No doubtful words, splits or merges in a translation.
      handled = false;
    } else if (event.altKey && !mod) {
      switch (event.code) {
        case "KeyK":
          togglePlay();
          break;
        case "KeyJ":
          skip(-5);
          break;
        case "KeyL":
          skip(5);
          break;
        case "Comma":
          stepSpeed(-1);
          break;
        case "Period":
          stepSpeed(1);
          break;
        case "KeyN":
          nextDoubtful();
          break;
        case "KeyA":
          acceptDoubtful();
          break;
        case "KeyE":
          fixDoubtful();
          break;
        case "Enter":
          if (row) splitAt(row);
          else handled = false;
          break;
        case "Backspace":
          if (row) mergeNext(row);
          else handled = false;
          break;
        case "ArrowUp":
        case "ArrowDown":
          if (row) focusRow(neighbour(row, event.code === "ArrowUp" ? -1 : 1), false);
          else handled = false;
          break;
        default:
          handled = false;
      }
    } else if (mod && (event.code === "KeyZ" || event.code === "KeyY")) {
      // Text typed and not yet saved is undone by the browser, like any typing; saved
      // changes are undone by the server, where the version history keeps them.
      if (inField || (row && isDirty(row))) handled = false;
      else if (event.code === "KeyY" || event.shiftKey) {
        if (!action("redo").disabled) replay("redo/");
      } else if (!action("undo").disabled) replay("undo/");
    } else if (mod && event.code === "KeyF") {
      replaceForm.elements.find.focus();
      replaceForm.elements.find.select();
    } else if (mod && event.code === "KeyS") {
      saveAll();
    } else if (event.key === "?" && !inField && !row && !target.isContentEditable) {
      dialog.showModal();
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  window.addEventListener("beforeunload", function (event) {
    if (!conflicted && (pending || dirtyRows().length)) {
      saveAll();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  request("GET", "").then(
    function (answer) {
      doc = answer;
      renderAll();
    },
    function (error) {
      showError(error.message || "The transcript could not be loaded. Reload the page to try again.");
      role("save-state").textContent = "Not loaded";
    }
  );
})();
