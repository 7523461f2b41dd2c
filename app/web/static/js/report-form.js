/* Quartiersmelder – progressive enhancement of the report form.
 *
 * The form works without this script: every field is a plain input, the categories fold open
 * as <details>, and the server validates (and shows reports nearby before sending). With it:
 * a map picker (Leaflet) that fills the latitude/longitude inputs, "use my location", the
 * location stored in a photo (read here, exif-gps.js: the photo is sent once, with the
 * report), photo previews that can be removed, only the chosen category's extra questions,
 * its description on demand, the emergency notice for sensitive categories, reports already
 * made nearby as cards with "me too", and a character counter.
 */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) {
    return;
  }
  var i18n = JSON.parse(document.getElementById("report-form-i18n").textContent);
  var data = form.dataset;
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var mapStatus = document.getElementById("map-status");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function parseNumber(value) {
    var number = parseFloat(String(value || "").trim().replace(",", "."));
    return isFinite(number) ? number : null;
  }

  // --- error summary: focus it so that screen readers and keyboards start there -----------
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        var details = target.closest("details");
        if (details) {
          details.open = true;
        }
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      }
    });
  }

  // --- category: chosen one in its group's heading, descriptions on demand, extra questions,
  // emergency notice ---------------------------------------------------------------------
  var categoryInputs = form.querySelectorAll("input[name=category]");
  var questionGroups = form.querySelectorAll(".attr-group");
  var questions = document.getElementById("questions");
  var sensitiveNotice = document.getElementById("sensitive-notice");

  function chosenCategory() {
    return form.querySelector("input[name=category]:checked");
  }

  function showChosenInGroups(chosen) {
    form.querySelectorAll(".category-group").forEach(function (group) {
      var label = group.querySelector(".category-group-chosen");
      var here = chosen && group.contains(chosen);
      if (label) {
        label.textContent = here
          ? fill(i18n.chosen, { category: form.querySelector("label[for='" + chosen.id + "']").textContent })
          : "";
        label.hidden = !here;
      }
    });
  }

  function updateCategory() {
    var chosen = chosenCategory();
    var code = chosen ? chosen.value : "";
    var anyShown = false;
    questionGroups.forEach(function (group) {
      var show = code !== "" && group.dataset.categories.split(" ").indexOf(code) !== -1;
      group.hidden = !show;
      anyShown = anyShown || show;
    });
    if (questions) {
      questions.hidden = !anyShown;
    }
    if (sensitiveNotice) {
      sensitiveNotice.hidden = !(chosen && chosen.dataset.sensitive === "true");
    }
    showChosenInGroups(chosen);
    checkNearby();
  }

  categoryInputs.forEach(function (input) {
    input.addEventListener("change", updateCategory);
  });

  // Each category's description behind a small button beside its name.
  form.querySelectorAll(".category-hint[data-about]").forEach(function (hint) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "category-about";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", hint.id);
    var mark = document.createElement("span");
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = "i";
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = hint.dataset.about;
    button.appendChild(mark);
    button.appendChild(name);
    hint.hidden = true;
    hint.parentNode.insertBefore(button, hint);
    button.addEventListener("click", function () {
      hint.hidden = !hint.hidden;
      button.setAttribute("aria-expanded", hint.hidden ? "false" : "true");
    });
  });

  // --- map -------------------------------------------------------------------------------
  var map = null;
  var marker = null;

  function showPoint(lat, lon, announce) {
    if (!map) {
      return;
    }
    var latlng = L.latLng(lat, lon);
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: i18n.markerTitle, alt: i18n.markerTitle });
      marker.on("dragend", function () {
        var moved = marker.getLatLng();
        setPoint(moved.lat, moved.lng, false);
      });
      marker.addTo(map);
    }
    if (announce) {
      mapStatus.textContent = fill(i18n.pointSet, { lat: lat.toFixed(5), lon: lon.toFixed(5) });
    }
  }

  function setPoint(lat, lon, pan) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    showPoint(lat, lon, true);
    if (pan && map) {
      map.setView([lat, lon], Math.max(map.getZoom(), 16));
    }
    checkNearby();
  }

  function pointFromInputs() {
    var lat = parseNumber(latInput.value);
    var lon = parseNumber(lonInput.value);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      return null;
    }
    return [lat, lon];
  }

  if (window.L && document.getElementById("map")) {
    map = L.map("map", {
      center: [parseFloat(data.centerLat), parseFloat(data.centerLon)],
      zoom: parseInt(data.zoom, 10) || 13,
      scrollWheelZoom: false
    });
    // The form's map shows the district outlines over the tiles too: they tell residents
    // where the city ends.
    QM.baseLayer(map, document.getElementById("map"), { data: data, alwaysOutline: true });
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng, false);
    });
    // By keyboard: Enter or Space set the marker at the cross in the map's centre.
    QM.keyboardChoice(map, function (centre) {
      setPoint(centre.lat, centre.lng, false);
    });
    var start = pointFromInputs();
    if (start) {
      showPoint(start[0], start[1], false);
      map.setView(start, 16);
    }
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = pointFromInputs();
        if (point) {
          showPoint(point[0], point[1], true);
          map.setView(point, Math.max(map.getZoom(), 16));
          checkNearby();
        }
      });
    });
  }

  // --- my location ------------------------------------------------------------------------
  var locateButton = document.getElementById("use-my-location");
  if (locateButton && navigator.geolocation) {
    locateButton.hidden = false;
    locateButton.addEventListener("click", function () {
      mapStatus.textContent = i18n.locating;
      locateButton.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locateButton.disabled = false;
          setPoint(position.coords.latitude, position.coords.longitude, true);
        },
        function () {
          locateButton.disabled = false;
          mapStatus.textContent = i18n.locationFailed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // --- photos: previews, removing one, the location stored in them ------------------------
  var photoInput = document.getElementById("photos");
  var photoStatus = document.getElementById("photo-status");
  var photoButton = document.getElementById("use-photo-location");
  var previews = document.getElementById("photo-previews");
  var usePhotoLocation = document.getElementById("use_photo_location");
  var photoPoint = null;
  var photosRead = 0; // how often the photos were read: an older reading gives way
  var maxPhotos = parseInt(data.maxPhotos, 10) || 3;
  var canRemove = (function () {
    try {
      return typeof new DataTransfer().items.add === "function";
    } catch (error) {
      return false;
    }
  })();

  if (photoButton) {
    photoButton.addEventListener("click", function () {
      if (photoPoint) {
        setPoint(photoPoint[0], photoPoint[1], true);
      }
    });
  }

  // A small picture of the photo, drawn here (the page allows images from data: URLs only).
  function thumbnail(file, img) {
    if (!window.createImageBitmap || !/^image\//.test(file.type)) {
      return;
    }
    createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 160 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      img.src = canvas.toDataURL("image/jpeg", 0.8);
      img.hidden = false;
    }).catch(function () { /* a type the browser cannot show (HEIC): the name is enough */ });
  }

  function removePhoto(index) {
    var files = Array.prototype.slice.call(photoInput.files || []);
    var kept = new DataTransfer();
    files.forEach(function (file, at) {
      if (at !== index) {
        kept.items.add(file);
      }
    });
    photoInput.files = kept.files;
    photosChanged(fill(i18n.photoRemoved, { name: files[index].name }));
    (previews.querySelector("button") || photoInput).focus();
  }

  function showPreviews(files) {
    previews.textContent = "";
    files.forEach(function (file, index) {
      var item = document.createElement("li");
      item.className = "photo-preview";
      var img = document.createElement("img");
      img.alt = "";
      img.hidden = true;
      thumbnail(file, img);
      var name = document.createElement("span");
      name.className = "photo-preview-name";
      name.textContent = file.name;
      item.appendChild(img);
      item.appendChild(name);
      if (canRemove) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button-secondary photo-remove";
        remove.textContent = fill(i18n.removePhoto, { name: file.name });
        remove.addEventListener("click", function () {
          removePhoto(index);
        });
        item.appendChild(remove);
      }
      previews.appendChild(item);
    });
    previews.hidden = files.length === 0;
  }

  function photosChanged(announce) {
    var files = Array.prototype.slice.call(photoInput.files || []);
    var messages = announce ? [announce] : [];
    photoPoint = null;
    photoButton.hidden = true;
    showPreviews(files);
    if (files.length > maxPhotos) {
      messages.push(fill(i18n.tooManyPhotos, { n: maxPhotos }));
    }
    photoStatus.textContent = messages.join(" ");
    var reading = ++photosRead;
    var asked = files.slice(0, maxPhotos);
    Promise.all(asked.map(function (file) { return QM.photoLocation(file); })).then(function (found) {
      if (reading !== photosRead) {
        return; // the photos changed meanwhile: that change answers
      }
      photoPoint = found.filter(Boolean)[0] || null;
      if (photoPoint) {
        photoButton.hidden = false;
        messages.push(i18n.photoLocationFound);
        photoStatus.textContent = messages.join(" ");
      }
      photoInput.dataset.read = String(reading); // for whoever waits for the reading
      checkNearby();
    });
  }

  if (photoInput && window.QM && QM.photoLocation) {
    photoInput.addEventListener("change", function () {
      photosChanged("");
    });
  }
  if (usePhotoLocation) {
    usePhotoLocation.addEventListener("change", checkNearby);
  }

  // --- reports already made nearby: cards with "me too" ----------------------------------
  var nearbyBox = document.getElementById("nearby");
  var nearbyStatus = document.getElementById("nearby-status");
  var offerNearby = document.getElementById("offer-nearby");
  var nearbyTimer = null;
  var nearbyAsked = "";

  // The place the report will have: the marker, else (when asked for) the photo's location.
  function reportPoint() {
    var point = pointFromInputs();
    if (!point && photoPoint && usePhotoLocation && usePhotoLocation.checked
        && !latInput.value.trim() && !lonInput.value.trim()) {
      point = photoPoint;
    }
    return point;
  }

  function checkNearby() {
    if (!nearbyBox || !data.nearbyCardsUrl) {
      return;
    }
    window.clearTimeout(nearbyTimer);
    nearbyTimer = window.setTimeout(function () {
      var chosen = chosenCategory();
      var point = reportPoint();
      if (!chosen || !point) {
        showNearby("");
        nearbyAsked = "";
        return;
      }
      var query = new URLSearchParams({ category: chosen.value, lat: point[0], lon: point[1] });
      var asked = query.toString();
      if (asked === nearbyAsked) {
        return;
      }
      nearbyAsked = asked;
      offerNearby.value = "1"; // until the answer is shown, the server shows it before sending
      fetch(data.nearbyCardsUrl + "?" + asked, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          if (asked === nearbyAsked) {
            showNearby(html);
            offerNearby.value = "0";
          }
        })
        .catch(function () { nearbyAsked = ""; });
    }, 300);
  }

  function showNearby(html) {
    // What was typed for "me too" stays when the cards are drawn again.
    var email = document.getElementById("me-too-email");
    var consent = document.getElementById("me-too-consent");
    var typed = email ? { email: email.value, consent: consent.checked } : null;
    var found = html.trim() !== "";
    nearbyBox.innerHTML = found ? html : "";
    nearbyBox.hidden = !found;
    if (found && typed) {
      document.getElementById("me-too-email").value = typed.email;
      document.getElementById("me-too-consent").checked = typed.consent;
    }
    nearbyStatus.textContent = found ? i18n.nearbyFound : "";
  }

  // --- description counter ----------------------------------------------------------------
  var description = document.getElementById("description");
  var counter = document.getElementById("description-count");
  if (description && counter) {
    var max = parseInt(description.getAttribute("maxlength"), 10);
    var updateCounter = function () {
      counter.textContent = fill(i18n.counter, { count: description.value.length, max: max });
      counter.classList.toggle("counter-near", description.value.length > max * 0.9);
    };
    description.addEventListener("input", updateCounter);
    updateCounter();
  }

  updateCategory();
})();
