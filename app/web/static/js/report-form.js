/* Quartiersmelder – progressive enhancement of the report form.
 *
 * The form works without this script: every field is a plain input and the server validates.
 * With it: a map picker (Leaflet) that fills the latitude/longitude inputs, "use my location",
 * the location stored in a photo, only the chosen category's extra questions, the emergency
 * notice for sensitive categories, reports already made nearby and a character counter.
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
  var csrfToken = form.querySelector("input[name=csrf_token]").value;

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

  // --- category: extra questions, emergency notice -----------------------------------------
  var categoryInputs = form.querySelectorAll("input[name=category]");
  var questionGroups = form.querySelectorAll(".attr-group");
  var questions = document.getElementById("questions");
  var sensitiveNotice = document.getElementById("sensitive-notice");

  function chosenCategory() {
    var checked = form.querySelector("input[name=category]:checked");
    return checked ? checked : null;
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
    checkNearby();
  }

  categoryInputs.forEach(function (input) {
    input.addEventListener("change", updateCategory);
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

  // --- photos: the location stored in them ------------------------------------------------
  var photoInput = document.getElementById("photos");
  var photoStatus = document.getElementById("photo-status");
  var photoButton = document.getElementById("use-photo-location");
  var photoPoint = null;
  var maxPhotos = parseInt(data.maxPhotos, 10) || 3;

  if (photoButton) {
    photoButton.addEventListener("click", function () {
      if (photoPoint) {
        setPoint(photoPoint[0], photoPoint[1], true);
      }
    });
  }

  function askPhotoLocation(file) {
    var body = new FormData();
    body.append("photo", file);
    return fetch(data.photoLocationUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken }
    }).then(function (response) {
      return response.json().then(function (answer) {
        return { ok: response.ok, answer: answer, name: file.name };
      });
    });
  }

  if (photoInput) {
    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files || []);
      photoPoint = null;
      photoButton.hidden = true;
      var messages = [];
      if (files.length > maxPhotos) {
        messages.push(fill(i18n.tooManyPhotos, { n: maxPhotos }));
      }
      if (!files.length || !data.photoLocationUrl) {
        photoStatus.textContent = messages.join(" ");
        return;
      }
      photoStatus.textContent = i18n.photoChecking;
      Promise.all(files.slice(0, maxPhotos).map(function (file) {
        return askPhotoLocation(file).catch(function () { return null; });
      })).then(function (results) {
        results.forEach(function (result) {
          if (!result) {
            return;
          }
          if (!result.ok && result.answer.error) {
            messages.push(result.name + ": " + result.answer.error);
          } else if (!photoPoint && typeof result.answer.lat === "number") {
            photoPoint = [result.answer.lat, result.answer.lon];
          }
        });
        if (photoPoint) {
          photoButton.hidden = false;
          messages.push(i18n.photoLocationFound);
        }
        photoStatus.textContent = messages.join(" ");
      });
    });
  }

  // --- reports already made nearby --------------------------------------------------------
  var nearbyBox = document.getElementById("nearby");
  var nearbyTimer = null;

  function checkNearby() {
    if (!nearbyBox || !data.nearbyUrl) {
      return;
    }
    window.clearTimeout(nearbyTimer);
    nearbyTimer = window.setTimeout(function () {
      var chosen = chosenCategory();
      var point = pointFromInputs();
      if (!chosen || !point) {
        nearbyBox.hidden = true;
        return;
      }
      var query = new URLSearchParams({ category: chosen.value, lat: point[0], lon: point[1] });
      fetch(data.nearbyUrl + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
        .then(function (answer) { showNearby(answer.reports || []); })
        .catch(function () { nearbyBox.hidden = true; });
    }, 300);
  }

  function showNearby(reports) {
    nearbyBox.textContent = "";
    if (!reports.length) {
      nearbyBox.hidden = true;
      return;
    }
    var title = document.createElement("p");
    title.textContent = i18n.nearbyTitle;
    var list = document.createElement("ul");
    reports.forEach(function (report) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = report.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = typeof report.distance_m === "number"
        ? fill(i18n.nearbyItem, {
          reference: report.reference, status: report.status, distance: report.distance_m
        })
        : fill(i18n.nearbyItemNoDistance, { reference: report.reference, status: report.status });
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " " + i18n.opensNewTab;
      link.appendChild(hint);
      item.appendChild(link);
      list.appendChild(item);
    });
    nearbyBox.appendChild(title);
    nearbyBox.appendChild(list);
    nearbyBox.hidden = false;
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
