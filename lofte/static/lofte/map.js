// Draws an area and its parts from the API's GeoJSON. No tiles unless the installation configures them.
// Every label is passed to Leaflet as a DOM node holding text: Leaflet writes a string label into the page as HTML,
// and an area's name is data, not markup.
(function () {
  "use strict";

  var textLabel = window.LofteMapText.label; // text, never markup (map-text.js)
  var escaped = window.LofteMapText.escaped;

  // Extra features (hot spot cells) from a json_script element named by data-overlay, drawn in red.
  function drawOverlay(map, id) {
    var source = id && document.getElementById(id);
    if (!source) { return; }
    var features = JSON.parse(source.textContent);
    L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function () { return { color: "#a4161a", weight: 1, fillColor: "#e5383b", fillOpacity: 0.45 }; },
      onEachFeature: function (feature, featureLayer) { featureLayer.bindTooltip(textLabel(feature.properties.name)); },
    }).addTo(map);
  }
  document.querySelectorAll(".map[data-geojson-url]").forEach(function (element) {
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    var tiles = element.dataset.tilesUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: escaped(element.dataset.tilesAttribution), maxZoom: 18 }).addTo(map);
    }
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) {
        var outer = collection.features[0];
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var isOuter = feature === outer;
            return {
              color: isOuter ? "#1d4e89" : "#b3541e",
              weight: isOuter ? 3 : 2,
              fillOpacity: isOuter ? 0.08 : 0.15,
            };
          },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(textLabel(feature.properties.name));
          },
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        drawOverlay(map, element.dataset.overlay);
        element.dataset.loaded = "true";
      })
      .catch(function () {
        element.classList.add("map-failed");
        element.textContent = element.getAttribute("aria-label") + " – kartan kunde inte laddas.";
      });
  });
})();
