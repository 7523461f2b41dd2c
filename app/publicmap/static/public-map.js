/* Quartiersmelder – the public map (/karte).
 *
 * The page works without this script: the filter form and the list are plain HTML. With it:
 * clusters of the filtered reports for the visible part of the map (asked from the server for
 * the bounding box and zoom, never every point), a place chosen by click or by the map's
 * centre with "Report here" and the open reports already made there, and the hotspot layer
 * when the server offers one.
 */
(function () {
  "use strict";

  var element = document.getElementById("public-map");
  if (!element || !window.L) {
    return;
  }
  var i18n = JSON.parse(document.getElementById("public-map-i18n").textContent);
  var data = element.dataset;
  var statusLine = document.getElementById("map-status");
  var tilesStatus = document.getElementById("tiles-status");
  var panel = document.getElementById("place-panel");
  var placeText = document.getElementById("place-text");
  var reportHere = document.getElementById("report-here");
  var nearbyBox = document.getElementById("nearby-box");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function node(tag, text, className) {
    var item = document.createElement(tag);
    if (text !== undefined && text !== null) {
      item.textContent = text;
    }
    if (className) {
      item.className = className;
    }
    return item;
  }

  function withQuery(url, params) {
    var query = Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
    var extra = data.filter ? "&" + data.filter : "";
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + query + extra;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      });
  }

  // --- the map and its background ---------------------------------------------------------
  var map = L.map(element, {
    center: [parseFloat(data.centerLat), parseFloat(data.centerLon)],
    zoom: parseInt(data.zoom, 10) || 12,
    zoomControl: false,
    scrollWheelZoom: false
  });
  L.control.zoom({
    position: QM.zoomPosition,
    zoomInTitle: i18n.zoomIn,
    zoomOutTitle: i18n.zoomOut
  }).addTo(map);

  var tiles = QM.baseLayer(map, element);
  if (tiles) {
    var failed = false;
    tiles.on("tileerror", function () {
      if (failed) {
        return;
      }
      failed = true;
      tilesStatus.textContent = i18n.tilesFailed;
      tilesStatus.hidden = false;
      element.classList.add("map-no-tiles");
      QM.districtOutlines(map, data.districtsUrl);
    });
  }

  // A district filter: show that district.
  if (data.district) {
    getJSON(data.districtsUrl).then(function (collection) {
      collection.features.forEach(function (feature) {
        if (String(feature.properties.number) === data.district) {
          map.fitBounds(L.geoJSON(feature).getBounds(), { padding: [12, 12] });
        }
      });
    }).catch(function () { /* the city view stays */ });
  }

  // --- clusters -----------------------------------------------------------------------------
  var clusterLayer = L.layerGroup().addTo(map);
  var requestNumber = 0;

  function say(text) {
    statusLine.textContent = text;
  }

  function iconSize(count) {
    if (count >= 1000) {
      return ["cluster-l", 52];
    }
    return count >= 50 ? ["cluster-m", 44] : ["cluster-s", 36];
  }

  function singleMarker(cluster) {
    var open = ["new", "in_review", "in_progress", "forwarded", "reopened"].indexOf(cluster.status) >= 0;
    var marker = L.circleMarker([cluster.lat, cluster.lon], {
      radius: 9,
      color: "#fff",
      weight: 2,
      fillColor: open ? "#1d5a8c" : "#1e6b34",
      fillOpacity: 0.9,
      dashArray: cluster.approximate ? "3 3" : null,
      bubblingMouseEvents: false,
      className: "report-point"
    });
    var box = node("div", null, "map-popup");
    var link = node("a", cluster.reference);
    link.href = cluster.url;
    box.appendChild(link);
    box.appendChild(node("div", cluster.category));
    box.appendChild(node("div", cluster.status_text));
    if (cluster.approximate) {
      box.appendChild(node("div", i18n.approximate, "muted"));
    }
    marker.bindPopup(box);
    marker.bindTooltip(cluster.reference + " · " + cluster.category);
    return marker;
  }

  function clusterMarker(cluster) {
    var label = fill(i18n.cluster, { n: cluster.count });
    var size = iconSize(cluster.count);
    var marker = L.marker([cluster.lat, cluster.lon], {
      icon: L.divIcon({
        className: "cluster-icon " + size[0],
        html: "<span>" + String(cluster.count) + "</span>",
        iconSize: [size[1], size[1]]
      }),
      title: label,
      alt: label,
      keyboard: true
    });
    function zoomIn() {
      map.setView([cluster.lat, cluster.lon], Math.min(map.getZoom() + 2, map.getMaxZoom()));
    }
    marker.on("click", zoomIn);
    marker.on("keypress", function (event) {
      var key = event.originalEvent.key;
      if (key === "Enter" || key === " ") {
        event.originalEvent.preventDefault();
        zoomIn();
      }
    });
    marker.on("add", function () {
      var icon = marker.getElement();
      if (icon) {
        icon.setAttribute("role", "button");
        icon.setAttribute("aria-label", label);
      }
    });
    return marker;
  }

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  function loadClusters() {
    var bounds = map.getBounds().pad(0.2);
    var bbox = [
      clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
      clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)
    ].map(function (value) { return value.toFixed(5); }).join(",");
    var mine = ++requestNumber;
    element.dataset.requested = String(mine);
    say(i18n.loading);
    getJSON(withQuery(data.clustersUrl, { bbox: bbox, zoom: map.getZoom(), lang: data.lang }))
      .then(function (answer) {
        if (mine !== requestNumber) {
          return;  // the map moved on meanwhile
        }
        clusterLayer.clearLayers();
        answer.clusters.forEach(function (cluster) {
          clusterLayer.addLayer(cluster.count === 1 ? singleMarker(cluster) : clusterMarker(cluster));
        });
        var visible = map.getBounds();
        var shown = answer.clusters.reduce(function (sum, cluster) {
          return sum + (visible.contains([cluster.lat, cluster.lon]) ? cluster.count : 0);
        }, 0);
        if (shown === 0) {
          say(i18n.none);
        } else {
          say(shown === 1 ? i18n.countOne : fill(i18n.count, { n: shown }));
        }
        element.dataset.loaded = String(requestNumber);
      })
      .catch(function () {
        if (mine === requestNumber) {
          say(i18n.failed);
        }
      });
  }

  map.on("moveend", loadClusters);
  loadClusters();

  // --- hotspots (when the server has them) ----------------------------------------------------
  getJSON(data.hotspotsUrl).then(function (collection) {
    if (!collection || !collection.features || !collection.features.length) {
      return;  // no hotspots now: no layer to switch
    }
    var hotspots = L.geoJSON(collection, {
      style: { color: "#b3261e", weight: 2, fillColor: "#b3261e", fillOpacity: 0.18 },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip(fill(i18n.hotspot, { group: p.group_name || "", n: p.reports, weeks: p.weeks }));
      }
    }).addTo(map);
    hotspots.bringToBack();
    var overlays = {};
    overlays[i18n.hotspots] = hotspots;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    element.dataset.hotspots = String(collection.features.length);
  }).catch(function () { /* no hotspot layer: nothing to show */ });

  // --- a chosen place: report here, already reported here -------------------------------------
  var chosen = null;

  function showNearby(answer) {
    nearbyBox.textContent = "";
    if (!answer.reports.length) {
      nearbyBox.appendChild(node("p", i18n.nearbyNone, "nearby-none"));
      return;
    }
    nearbyBox.appendChild(node("p", i18n.nearbyTitle, "nearby-title"));
    var list = node("ul", null, "nearby-list");
    answer.reports.forEach(function (item) {
      var entry = node("li");
      var link = node("a", item.reference);
      link.href = item.url;
      entry.appendChild(link);
      var where = item.distance_m === null ? i18n.nearbyApprox : fill(i18n.distance, { m: item.distance_m });
      entry.appendChild(document.createTextNode(" – " + item.category + ", " + item.status_text + " (" + where + ")"));
      list.appendChild(entry);
    });
    nearbyBox.appendChild(list);
  }

  function choose(latlng) {
    var lat = latlng.lat.toFixed(6);
    var lon = latlng.lng.toFixed(6);
    if (chosen) {
      chosen.setLatLng(latlng);
    } else {
      chosen = L.marker(latlng, { keyboard: false, title: i18n.chosenMarker, alt: i18n.chosenMarker });
      chosen.addTo(map);
    }
    panel.hidden = false;
    placeText.textContent = fill(i18n.chosen, { lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5) });
    var base = data.reportUrl;
    reportHere.href = base + (base.indexOf("?") >= 0 ? "&" : "?") + "lat=" + lat + "&lon=" + lon;
    nearbyBox.textContent = "";
    nearbyBox.appendChild(node("p", i18n.nearbyLoading));
    var url = data.nearbyUrl + "?lat=" + lat + "&lon=" + lon + "&lang=" + encodeURIComponent(data.lang);
    getJSON(url).then(showNearby).catch(function () {
      nearbyBox.textContent = "";
      nearbyBox.appendChild(node("p", i18n.nearbyFailed));
    });
  }

  map.on("click", function (event) {
    choose(event.latlng);
  });
  // By keyboard: Enter or Space choose the place at the cross in the map's centre.
  QM.keyboardChoice(map, function (centre) {
    choose(centre);
    say(placeText.textContent);
  });
  document.getElementById("choose-centre").addEventListener("click", function () {
    choose(map.getCenter());
    reportHere.focus();
  });
})();
