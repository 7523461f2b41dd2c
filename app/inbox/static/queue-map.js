/* Quartiersmelder inbox – the reports of the current filter on a map. */
(function () {
  "use strict";
  var element = document.getElementById("queue-map");
  var status = document.getElementById("queue-map-status");
  if (!element || !window.L) {
    return;
  }
  var data = element.dataset;
  var center = data.center.split(",").map(parseFloat);
  var map = L.map(element, { center: center, zoom: parseInt(data.zoom, 10) || 12 });
  QM.baseLayer(map, element);

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function colour(properties) {
    if (properties.overdue) {
      return "#b3261e";
    }
    return ["resolved", "not_resolvable", "duplicate", "rejected"].indexOf(properties.status) >= 0
      ? "#1e6b34" : "#1d5a8c";
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) {
      node.className = className;
    }
    return node;
  }

  say(status ? status.dataset.loading : "");
  fetch(data.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(function (collection) {
      var layer = L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, {
            radius: 8, color: "#fff", weight: 2, fillColor: colour(feature.properties), fillOpacity: 0.9
          });
        },
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          var box = document.createElement("div");
          var link = text("a", p.reference);
          link.href = p.url;
          box.appendChild(link);
          box.appendChild(text("div", p.category));
          box.appendChild(text("div", p.status_label + (p.overdue ? " · " + status.dataset.overdue : "")));
          box.appendChild(text("div", p.created, "muted"));
          marker.bindPopup(box);
        }
      }).addTo(map);
      var n = collection.features.length;
      var message = status.dataset.count.replace("{n}", String(n));
      if (collection.truncated) {
        message += " " + status.dataset.truncated;
      }
      say(message);
      if (n > 0) {
        map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17 });
      }
    })
    .catch(function () { say(status.dataset.failed); });
})();
