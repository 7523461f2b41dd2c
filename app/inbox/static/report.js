/* Quartiersmelder inbox – a report's page: the map (click to pick a new place) and the
 * response templates that fill the public note. The forms work without this script. */
(function () {
  "use strict";

  // Response templates: fill the note (without JavaScript the server uses the text when the
  // note is empty) and pick the template's status when that is an allowed next status.
  var picker = document.getElementById("template");
  var note = document.getElementById("public-note");
  var status = document.getElementById("status");
  if (picker && note) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (!option || !option.value) {
        return;
      }
      note.value = option.dataset.text || "";
      if (status && option.dataset.status) {
        for (var i = 0; i < status.options.length; i++) {
          if (status.options[i].value === option.dataset.status) {
            status.selectedIndex = i;
            break;
          }
        }
      }
      note.focus();
    });
  }

  var error = document.getElementById("action-error");
  if (error) {
    error.focus();
  }

  var element = document.getElementById("report-map");
  if (!element || !window.L) {
    return;
  }
  var data = element.dataset;
  var point = [parseFloat(data.lat), parseFloat(data.lon)];
  var map = L.map(element, { center: point, zoom: 17, scrollWheelZoom: false });
  QM.baseLayer(map, element);
  L.marker(point, { keyboard: false, title: data.lat + ", " + data.lon }).addTo(map);

  if (data.editable !== "true") {
    return;
  }
  var lat = document.getElementById("loc-lat");
  var lon = document.getElementById("loc-lon");
  var box = document.getElementById("location-box");
  var picked = null;
  map.on("click", function (event) {
    var where = event.latlng;
    if (!lat || !lon) {
      return;
    }
    lat.value = where.lat.toFixed(6);
    lon.value = where.lng.toFixed(6);
    if (picked) {
      picked.setLatLng(where);
    } else {
      picked = L.circleMarker(where, { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.3 })
        .addTo(map);
    }
    if (box) {
      box.open = true;
    }
  });
})();
