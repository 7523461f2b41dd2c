/* Quartiersmelder – the small map on a report's public status page (approximate area for
 * sensitive reports: a circle, never a pin). */
(function () {
  "use strict";
  var element = document.getElementById("status-map");
  if (!element || !window.L) {
    return;
  }
  var data = element.dataset;
  var point = [parseFloat(data.lat), parseFloat(data.lon)];
  var map = L.map(element, {
    center: point,
    zoom: parseInt(data.zoom, 10) || 16,
    scrollWheelZoom: false,
    keyboard: false
  });
  if (data.tilesUrl) {
    L.tileLayer(data.tilesUrl, { maxZoom: 19, attribution: data.tilesAttribution }).addTo(map);
  } else {
    element.classList.add("map-no-tiles");
    if (data.districtsUrl) {
      fetch(data.districtsUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (geojson) {
          if (geojson) {
            L.geoJSON(geojson, {
              interactive: false,
              style: { color: "#1d5a8c", weight: 1.5, opacity: 0.8, fillOpacity: 0.04 }
            }).addTo(map).bringToBack();
          }
        })
        .catch(function () { /* optional */ });
    }
  }
  if (data.approximate === "true") {
    L.circle(point, { radius: 250, color: "#b3261e", weight: 2, fillOpacity: 0.15 }).addTo(map);
  } else {
    L.marker(point, { keyboard: false }).addTo(map);
  }
})();
