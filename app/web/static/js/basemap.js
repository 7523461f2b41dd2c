/* Quartiersmelder – the map background every page shares: tiles when a tile server is
 * configured, otherwise (offline, or tiles switched off) the district outlines, so a map
 * stays usable. Usage: QM.baseLayer(map, element, {data, alwaysOutline}) with data-tiles-url,
 * data-tiles-attribution and data-districts-url on the element (or in ``data``); it returns the
 * tile layer (or null), so a page can react to tiles that fail to load, and
 * QM.districtOutlines(map, url) draws the outlines on their own.
 *
 * The map controls speak the page's language: the script tag carries the texts
 * (data-zoom-in, data-zoom-out, data-keys; the macro basemap_script renders it), read here
 * before any map is made. QM.keyboardChoice(map, choose) makes a map usable by keyboard: it
 * takes the focus (arrow keys pan, + and − zoom: Leaflet's keyboard handler), shows a cross
 * at its centre while focused, and Enter or Space call choose(latlng) with that centre.
 *
 * The zoom buttons sit at the page's start: top left, and top right on right-to-left pages
 * (<html dir="rtl">). Maps made with Leaflet's own zoom control get that corner by default;
 * a page adding its own control takes QM.zoomPosition. */
(function () {
  "use strict";
  var outline = { color: "#1d5a8c", weight: 1.5, opacity: 0.8, fillOpacity: 0.04 };
  var texts = (document.currentScript && document.currentScript.dataset) || {};
  var rightToLeft = (document.documentElement.getAttribute("dir") || "").toLowerCase() === "rtl";
  var zoomPosition = rightToLeft ? "topright" : "topleft";

  if (window.L) {
    L.Control.Zoom.mergeOptions({ position: zoomPosition });
    if (texts.zoomIn && texts.zoomOut) {
      L.Control.Zoom.mergeOptions({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut });
    }
    // Leaflet's own prefix carries an English title and a flag image; a plain link reads the
    // same in every language and leaves the attribution's contrast measurable.
    L.Control.Attribution.mergeOptions({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' });
  }

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

  function keyboardChoice(map, choose) {
    var container = map.getContainer();
    map.keyboard.enable();  // every map has the handler; a page may have switched it off
    container.classList.add("map-keyboard");
    if (!container.getAttribute("role")) {
      // Arrow keys, Enter and Space belong to the map, not to a screen reader's reading keys.
      container.setAttribute("role", "application");
    }
    var cross = L.DomUtil.create("div", "map-crosshair", container);
    cross.setAttribute("aria-hidden", "true");
    if (texts.keys) {
      var help = document.createElement("p");
      help.className = "hint map-keys";
      help.id = (container.id || "map") + "-keys";
      help.textContent = texts.keys;
      container.parentNode.insertBefore(help, container.nextSibling);
      var described = container.getAttribute("aria-describedby");
      container.setAttribute("aria-describedby", (described ? described + " " : "") + help.id);
    }
    // How often the map has come to rest (a page's tests wait for it after a key).
    var moves = 0;
    map.on("moveend", function () {
      container.dataset.moves = String(++moves);
    });
    L.DomEvent.on(container, "keydown", function (event) {
      if (event.target !== container || event.altKey || event.ctrlKey || event.metaKey) {
        return;  // a key on a control or marker inside the map is theirs
      }
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose(map.getCenter());
      }
    });
  }

  window.QM = window.QM || {};
  window.QM.zoomPosition = zoomPosition;
  window.QM.districtOutlines = districts;
  window.QM.keyboardChoice = keyboardChoice;
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
