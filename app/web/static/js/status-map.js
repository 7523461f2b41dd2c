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
  QM.baseLayer(map, element);
  if (data.approximate === "true") {
    L.circle(point, { radius: 250, color: "#b3261e", weight: 2, fillOpacity: 0.15 }).addTo(map);
  } else {
    L.marker(point, { keyboard: false }).addTo(map);
  }
})();
