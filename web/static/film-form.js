// The film form in the browser (templates/submissions/form.html), from a static file: the
// Content-Security-Policy forbids inline scripts. Without this file the form still works:
// lists are typed with ";" between values and the film file goes with the form.
//  - A list field (input[data-chips]) becomes chips: one hidden input per value under the
//    field's name, a text box to add one (Enter or ";"; a name picked in the list is added
//    at once). Languages and countries are picked by name and stored by their code
//    (the datalist option's data-value); people are suggested from the catalog as typed.
//  - The film file (div[data-upload]) is sent ahead of the form in pieces (UPLOAD_CHUNK_BYTES), with a
//    progress bar. When the connection breaks, "Reprendre" asks the server how many bytes it
//    has and sends the rest; the same file picked again after a reload resumes too. The form
//    then sends only the upload's token, and waits for the file if it is still on its way.
(function () {
  "use strict";

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  // -- chips ---------------------------------------------------------------------------

  function enhanceList(original) {
    var name = original.name;
    var field = original.closest(".field");
    var list = original.dataset.list ? document.getElementById(original.dataset.list) : null;
    var shown = {};
    try {
      shown = JSON.parse(original.dataset.shown || "{}");
    } catch (error) {
      shown = {};
    }
    var box = document.createElement("div");
    box.className = "chips";
    var chips = document.createElement("ul");
    chips.className = "chip-list";
    var entry = document.createElement("input");
    entry.type = "text";
    entry.id = original.id;
    entry.autocomplete = "off";
    entry.placeholder = original.dataset.placeholder || "";
    var described = (original.getAttribute("aria-describedby") || "")
      .split(/\s+/).filter(function (id) { return id && id.indexOf("l-") !== 0; }).join(" ");
    if (described) entry.setAttribute("aria-describedby", described);
    if (original.getAttribute("aria-invalid")) entry.setAttribute("aria-invalid", "true");

    if (original.dataset.suggest) {
      list = document.createElement("datalist");
      list.id = "dl-" + name;
      box.appendChild(list);
      entry.setAttribute("hx-indicator", "#" + list.id);
      var timer = null;
      entry.addEventListener("input", function () {
        window.clearTimeout(timer);
        var typed = entry.value.trim();
        if (typed.length < 2 || !window.htmx) return;
        timer = window.setTimeout(function () {
          window.htmx.ajax("GET", original.dataset.suggest + "?q=" + encodeURIComponent(typed), {
            source: entry, target: "#" + list.id, swap: "innerHTML"
          });
        }, 200);
      });
    }
    if (list) entry.setAttribute("list", list.id);

    function option(text) {
      if (!list) return null;
      var key = fold(text);
      var options = list.querySelectorAll("option");
      for (var i = 0; i < options.length; i++) {
        var o = options[i];
        if (fold(o.value) === key || (o.dataset.value && fold(o.dataset.value) === key)) return o;
      }
      return null;
    }

    function has(value) {
      return Array.prototype.some.call(chips.querySelectorAll("input"), function (input) {
        return input.value === value;
      });
    }

    function add(value, label) {
      if (!value || has(value)) return;
      var chip = document.createElement("li");
      var text = document.createElement("span");
      text.textContent = label;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = value;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", (original.dataset.remove || "×") + " " + label);
      remove.addEventListener("click", function () {
        chip.remove();
        entry.focus();
      });
      chip.append(text, hidden, remove);
      chips.appendChild(chip);
    }

    function commit() {
      entry.value.split(";").forEach(function (item) {
        item = item.trim();
        if (!item) return;
        var found = option(item);
        if (found && original.dataset.list) add(found.dataset.value || found.value, found.value);
        else add(item, found ? found.value : (shown[item] || item));
      });
      entry.value = "";
    }

    original.value.split(";").forEach(function (item) {
      item = item.trim();
      if (item) add(item, shown[item] || (option(item) ? option(item).value : item));
    });

    entry.addEventListener("keydown", function (event) {
      if ((event.key === "Enter" || event.key === ";") && entry.value.trim()) {
        event.preventDefault();
        commit();
      } else if (event.key === "Enter") {
        event.preventDefault(); // an empty box does not send the form half-filled
      } else if (event.key === "Backspace" && !entry.value && chips.lastElementChild) {
        chips.lastElementChild.remove();
      }
    });
    entry.addEventListener("input", function (event) {
      // A name picked in the browser's list arrives whole, as a replacement.
      var picked = !event.inputType || event.inputType === "insertReplacementText";
      if (picked && option(entry.value)) commit();
    });
    entry.addEventListener("change", commit);

    var hint = field ? field.querySelector(".list-hint") : null;
    if (hint) hint.remove();
    box.insertBefore(chips, box.firstChild);
    box.appendChild(entry);
    original.replaceWith(box);
    if (window.htmx && original.dataset.suggest) window.htmx.process(entry);
    return commit;
  }

  // -- the film file, in pieces ----------------------------------------------------------

  function enhanceUpload(box) {
    var input = box.querySelector("input[type=file]");
    var tokenInput = box.querySelector("input[name=upload_token]");
    var state = box.querySelector(".upload-state");
    var bar = state.querySelector("progress");
    var text = state.querySelector("#upload-text");
    var resume = state.querySelector(".upload-resume");
    var form = box.closest("form");
    var lang = document.documentElement.lang || "fr";
    var file = null;
    var token = "";
    var busy = false;
    var submitWhenDone = false;
    var key = "";
    var chunk = parseInt(box.dataset.chunk, 10) || 8 * 1024 * 1024;

    // The file goes in pieces: it must not go again with the form.
    input.removeAttribute("name");

    function size(bytes) {
      var french = lang.indexOf("fr") === 0;
      var kilo = bytes < 1024 * 1024;
      var amount = bytes / (kilo ? 1024 : 1024 * 1024);
      var unit = kilo ? (french ? " Ko" : " KB") : (french ? " Mo" : " MB");
      return amount.toLocaleString(lang, { maximumFractionDigits: amount < 10 ? 1 : 0 }) + unit;
    }

    function show(done) {
      state.hidden = false;
      bar.value = file && file.size ? Math.floor((100 * done) / file.size) : 0;
      text.textContent = fill(box.dataset.sending, { done: size(done), total: size(file.size) });
      if (done >= file.size) text.textContent = box.dataset.checking;
    }

    function liveError(message) {
      var shown = box.querySelector(".error");
      if (!shown) {
        shown = document.createElement("p");
        shown.className = "error";
        shown.id = "e-media";
        box.appendChild(shown);
        input.setAttribute("aria-describedby", "h-media upload-text e-media");
      }
      shown.textContent = message;
      box.classList.toggle("invalid", !!message);
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }

    function refused(answer) {
      busy = false;
      submitWhenDone = false;
      if (key) window.sessionStorage.removeItem(key);
      token = "";
      tokenInput.value = "";
      state.hidden = true;
      resume.hidden = true;
      input.value = "";
      file = null;
      liveError(answer.error || "");
    }

    function broken(done) {
      busy = false;
      text.textContent = fill(box.dataset.broken, { done: size(done), total: size(file.size) });
      resume.hidden = false;
    }

    function request(method, url, body, onAnswer, onBroken, onProgress) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress) xhr.upload.addEventListener("progress", onProgress);
      xhr.addEventListener("load", function () {
        var answer = {};
        try {
          answer = JSON.parse(xhr.responseText || "{}");
        } catch (error) {
          answer = {};
        }
        if (xhr.status >= 500 || xhr.status === 0) onBroken();
        else onAnswer(xhr.status, answer);
      });
      xhr.addEventListener("error", onBroken);
      xhr.addEventListener("abort", onBroken);
      xhr.addEventListener("timeout", onBroken);
      if (body && !(body instanceof Blob)) {
        xhr.setRequestHeader("Content-Type", "application/json");
      } else if (body) {
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
      }
      return xhr;
    }

    function finished(answer) {
      busy = false;
      bar.value = 100;
      resume.hidden = true;
      tokenInput.value = token;
      text.textContent = fill(box.dataset.done, { name: answer.name || file.name });
      if (key) window.sessionStorage.removeItem(key);
      if (submitWhenDone) {
        submitWhenDone = false;
        form.requestSubmit();
      }
    }

    function sendFrom(offset) {
      var current = file;
      busy = true;
      resume.hidden = true;
      show(offset);
      var piece = file.slice(offset, offset + chunk);
      var xhr = request(
        "PUT",
        box.dataset.start + "/" + token,
        piece,
        function (status, answer) {
          if (file !== current) return;
          if (status === 200 && answer.complete) finished(answer);
          else if (status === 200 || status === 409) sendFrom(answer.received);
          else if (status === 404) start(true);
          else refused(answer);
        },
        function () { if (file === current) broken(offset); },
        function (event) { if (file === current) show(offset + event.loaded); }
      );
      xhr.setRequestHeader("Upload-Offset", String(offset));
      xhr.send(piece);
    }

    function resumeFromServer() {
      var current = file;
      busy = true;
      resume.hidden = true;
      request("GET", box.dataset.start + "/" + token, null, function (status, answer) {
        if (file !== current) return;
        if (status === 200 && answer.complete) finished(answer);
        else if (status === 200) sendFrom(answer.received);
        else start(true);
      }, function () { if (file === current) broken(0); }).send();
    }

    function start(fresh) {
      var current = file;
      busy = true;
      liveError("");
      key = "anthologie-upload|" + file.name + "|" + file.size + "|" + file.lastModified;
      var saved = fresh ? null : window.sessionStorage.getItem(key);
      if (saved) {
        token = saved;
        resumeFromServer();
        return;
      }
      show(0);
      request("POST", box.dataset.start, { name: file.name, size: file.size }, function (status, answer) {
        if (file !== current) return;
        if (status !== 201) return refused(answer);
        token = answer.token;
        window.sessionStorage.setItem(key, token);
        sendFrom(0);
      }, function () { if (file === current) broken(0); }).send(JSON.stringify({ name: file.name, size: file.size }));
    }

    input.addEventListener("change", function () {
      file = input.files && input.files[0] ? input.files[0] : null;
      token = "";
      tokenInput.value = "";
      submitWhenDone = false;
      if (!file) {
        state.hidden = true;
        return;
      }
      start(false);
    });
    resume.addEventListener("click", function () {
      if (file && token && !busy) resumeFromServer();
      else if (file && !busy) start(false);
    });
    form.addEventListener("submit", function (event) {
      if (!file || tokenInput.value) return;
      event.preventDefault();
      submitWhenDone = true;
      state.hidden = false;
      text.textContent = box.dataset.waiting;
      if (!busy) {
        if (token) resumeFromServer();
        else start(false);
      }
    });
  }

  function init() {
    var commits = [];
    document.querySelectorAll("form.film-form input[data-chips]").forEach(function (input) {
      commits.push(enhanceList(input));
    });
    document.querySelectorAll("form.film-form [data-upload]").forEach(enhanceUpload);
    document.querySelectorAll("form.film-form").forEach(function (form) {
      // What is left typed in a list's box is one more value (captured before any other
      // submit handler, so the file upload's wait sends it too).
      form.addEventListener("submit", function () {
        commits.forEach(function (commit) { commit(); });
      }, true);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
