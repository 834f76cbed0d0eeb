// The pitch page's players (web/templates/pitch/_player.html), from a static file: the
// Content-Security-Policy forbids inline scripts and eval.
//  - A play button asks the player's data-play URL (POST, with the page's CSRF token) for
//    what this viewer may play; the answer's url becomes the video's source and it plays.
//    A refusal (the link's view cap reached, the link closed) is shown in the player.
//  - While a video plays, the ranges played (video.played) go to data-progress every 10 s,
//    on pause, at the end and when the page is left; the server keeps their union.
(function () {
  "use strict";
  if (window.anthologiePlayer) return; // the partial loads this once per player
  window.anthologiePlayer = true;

  var REPORT_EVERY_MS = 10000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function post(url, fields, keepalive) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    });
  }

  function which(player) {
    var film = player.getAttribute("data-film");
    return film ? { film_id: film } : {};
  }

  function say(player, text) {
    var message = player.querySelector(".player-message");
    if (!message) return;
    message.textContent = text;
    message.hidden = !text;
  }

  function played(video) {
    var ranges = [];
    for (var i = 0; i < video.played.length; i++) {
      ranges.push([
        Math.round(video.played.start(i) * 1000) / 1000,
        Math.round(video.played.end(i) * 1000) / 1000
      ]);
    }
    return ranges;
  }

  function report(player, keepalive) {
    var video = player.querySelector("video");
    if (!video || !player.classList.contains("started") || !video.played.length) return;
    var fields = which(player);
    fields.played = JSON.stringify(played(video));
    post(player.getAttribute("data-progress"), fields, keepalive).catch(function () {});
  }

  // The film's subtitle tracks (data-tracks: what this viewer may have, a recipient's through
  // tickets), added to the video as <track>s; the first in the page's language shows.
  function addTracks(player, video) {
    var url = player.getAttribute("data-tracks");
    if (!url || video.querySelector("track")) return;
    post(url, which(player), false)
      .then(function (response) { return response.ok ? response.json() : { tracks: [] }; })
      .then(function (data) {
        var page = (document.documentElement.lang || "fr").slice(0, 2);
        var shown = false;
        (data.tracks || []).forEach(function (entry) {
          var track = document.createElement("track");
          track.kind = entry.kind;
          track.srclang = entry.srclang;
          track.label = entry.label;
          track.src = entry.src;
          if (!shown && entry.srclang === page) { track.default = true; shown = true; }
          video.appendChild(track);
        });
      })
      .catch(function () {});
  }

  function start(player) {
    var video = player.querySelector("video");
    var button = player.querySelector(".play-button");
    if (!video || player.classList.contains("loading")) return;
    player.classList.add("loading");
    button.disabled = true;
    say(player, "");
    post(player.getAttribute("data-play"), which(player), false)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        player.classList.remove("loading");
        if (!answer.ok || !answer.data.url) {
          say(player, answer.data.error || player.getAttribute("data-failed"));
          player.classList.add("refused");
          return;
        }
        player.classList.add("started");
        addTracks(player, video);
        video.src = answer.data.url;
        video.controls = true;
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
      })
      .catch(function () {
        player.classList.remove("loading");
        button.disabled = false;
        say(player, player.getAttribute("data-failed"));
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest(".player .play-button");
    if (button) start(button.closest(".player"));
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".player video").forEach(function (video) {
      var player = video.closest(".player");
      var timer = null;
      video.addEventListener("playing", function () {
        if (timer === null) timer = window.setInterval(function () { report(player, false); }, REPORT_EVERY_MS);
      });
      ["pause", "ended"].forEach(function (name) {
        video.addEventListener(name, function () {
          if (timer !== null) { window.clearInterval(timer); timer = null; }
          report(player, false);
        });
      });
    });
  });

  window.addEventListener("pagehide", function () {
    document.querySelectorAll(".player.started").forEach(function (player) {
      var video = player.querySelector("video");
      if (video && !video.paused) report(player, true);
    });
  });
})();
