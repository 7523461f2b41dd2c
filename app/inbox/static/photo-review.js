/* Quartiersmelder inbox – a photo's review page: drag a box over the photo with the mouse (or a
 * pen) to fill in the form's left/top/width/height in per cent. Only an aid: the form works
 * with the keyboard and without this script, and the server pixelates what the form says. */
(function () {
  "use strict";

  var error = document.getElementById("action-error");
  if (error) {
    error.focus();
  }

  var frame = document.getElementById("photo-frame");
  var draft = document.getElementById("box-draft");
  var form = document.getElementById("box-form");
  if (!frame || !draft || !form) {
    return;
  }
  var width = parseFloat(frame.dataset.width);
  var height = parseFloat(frame.dataset.height);
  var fields = {
    left: document.getElementById("box-left"),
    top: document.getElementById("box-top"),
    width: document.getElementById("box-width"),
    height: document.getElementById("box-height"),
  };
  var start = null;

  function clamp(value) {
    return Math.min(100, Math.max(0, value));
  }

  function percentAt(event) {
    var rect = frame.getBoundingClientRect();
    return {
      x: clamp(((event.clientX - rect.left) / rect.width) * 100),
      y: clamp(((event.clientY - rect.top) / rect.height) * 100),
    };
  }

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  // The draft rectangle and the form's fields, from per cent.
  function show(box) {
    draft.setAttribute("x", (box.left * width) / 100);
    draft.setAttribute("y", (box.top * height) / 100);
    draft.setAttribute("width", (box.width * width) / 100);
    draft.setAttribute("height", (box.height * height) / 100);
    draft.classList.toggle("is-drawn", box.width > 0 && box.height > 0);
  }

  function between(a, b) {
    return {
      left: round(Math.min(a.x, b.x)),
      top: round(Math.min(a.y, b.y)),
      width: round(Math.abs(a.x - b.x)),
      height: round(Math.abs(a.y - b.y)),
    };
  }

  frame.addEventListener("pointerdown", function (event) {
    // Mouse and pen only: a finger on the photo scrolls the page (the fields are for touch).
    if (event.button !== 0 || event.pointerType === "touch") {
      return;
    }
    event.preventDefault();
    start = percentAt(event);
    frame.setPointerCapture(event.pointerId);
    show({ left: start.x, top: start.y, width: 0, height: 0 });
  });

  frame.addEventListener("pointermove", function (event) {
    if (start) {
      show(between(start, percentAt(event)));
    }
  });

  function finish(event) {
    if (!start) {
      return;
    }
    var box = between(start, percentAt(event));
    start = null;
    if (box.width < 0.5 || box.height < 0.5) {
      show({ left: 0, top: 0, width: 0, height: 0 });
      return;
    }
    show(box);
    Object.keys(fields).forEach(function (name) {
      if (fields[name]) {
        fields[name].value = box[name];
      }
    });
    fields.left.focus();
  }

  frame.addEventListener("pointerup", finish);
  frame.addEventListener("pointercancel", function () {
    start = null;
  });

  // Typed values show the draft too, so what will be pixelated can be seen before sending.
  Object.keys(fields).forEach(function (name) {
    if (!fields[name]) {
      return;
    }
    fields[name].addEventListener("input", function () {
      var box = {};
      for (var key in fields) {
        box[key] = parseFloat(String(fields[key].value).replace(",", ".")) || 0;
      }
      show(box);
    });
  });
})();
