/* Quartiersmelder – the map background every page shares: tiles when a tile server is
 * configured, otherwise (offline, or tiles switched off) the district outlines, so a map
 * stays usable. Usage: QM.baseLayer(map, element, {data, alwaysOutline}) with data-tiles-url,
 * data-tiles-attribution and data-districts-url on the element (or in ``data``); it returns the
 * tile layer (or null), so a page can react to tiles that fail to load, and
 * QM.districtOutlines(map, url) draws the outlines on their own. */
(function () {
  "use strict";
  var outline = { color: "#1d5a8c", weight: 1.5, opacity: 0.8, fillOpacity: 0.04 };

  function districts(map, url) {
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (geojson) {
          L.geoJSON(geojson, { interactive: false, style: outline }).addTo(map).bringToBack();
        }
      })
      .catch(function () { /* the outlines are optional */ });
  }

  window.QM = window.QM || {};
  window.QM.districtOutlines = districts;
  window.QM.baseLayer = function (map, element, options) {
    options = options || {};
    var data = options.data || element.dataset;  // the settings may sit on a parent (the form)
    var alwaysOutline = options.alwaysOutline;
    var tiles = null;
    if (data.tilesUrl) {
      tiles = L.tileLayer(data.tilesUrl, { maxZoom: 19, attribution: data.tilesAttribution });
      tiles.addTo(map);
    } else {
      element.classList.add("map-no-tiles");
    }
    if (!data.tilesUrl || alwaysOutline) {
      districts(map, data.districtsUrl);
    }
    return tiles;
  };
})();
