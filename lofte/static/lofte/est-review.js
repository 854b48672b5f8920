// The review page's map: the kommun's boundary and the report's point. Clicking the map moves the point and
// writes its coordinates into the correction form, which can also be filled in by keyboard.
(function () {
  "use strict";

  // The tile provider's attribution is configured as plain text: escape it for the attribution control.
  var escaped = window.LofteMapText.escaped;

  var element = document.getElementById("review-map");
  if (!element || typeof L === "undefined") { return; }
  var latInput = document.getElementById(element.dataset.latInput);
  var lngInput = document.getElementById(element.dataset.lngInput);
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
  var tiles = element.dataset.tilesUrl;
  if (tiles) {
    L.tileLayer(tiles, { attribution: escaped(element.dataset.tilesAttribution), maxZoom: 19 }).addTo(map);
  }
  var marker = null;

  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
  }

  if (element.dataset.lat && element.dataset.lng) {
    place([parseFloat(element.dataset.lat), parseFloat(element.dataset.lng)]);
  }

  map.on("click", function (event) {
    place(event.latlng);
    if (latInput && lngInput) {
      latInput.value = event.latlng.lat.toFixed(6);
      lngInput.value = event.latlng.lng.toFixed(6);
      var details = latInput.closest("details");
      if (details) { details.open = true; }
    }
  });

  fetch(element.dataset.geojsonUrl + "?children=false", { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    })
    .then(function (collection) {
      var layer = L.geoJSON(collection, { style: function () { return { color: "#1d4e89", weight: 2, fillOpacity: 0.05 }; } });
      layer.addTo(map);
      if (marker) { map.setView(marker.getLatLng(), 16); } else { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
      element.dataset.loaded = "true";
    })
    .catch(function () {
      if (marker) { map.setView(marker.getLatLng(), 16); return; }
      element.classList.add("map-failed");
      element.textContent = element.getAttribute("aria-label") + " – kartan kunde inte laddas.";
    });
})();
