// Tipsa om en otrygg plats: the map on the tip form (tap, the keyboard's Enter or "Använd min position" sets the
// hidden latitude and longitude) and the public map of reviewed reports, one circle per grid cell, drawn from a
// json_script element. Without script the form works with the place field alone and the map page shows its table.
(function () {
  "use strict";

  // The tile provider's attribution is configured as plain text: escape it for the attribution control.
  var escaped = window.LofteMapText.escaped;

  function baseMap(element, settings) {
    var map = L.map(element, { scrollWheelZoom: false });
    if (settings.tilesUrl) {
      L.tileLayer(settings.tilesUrl, { attribution: escaped(settings.tilesAttribution), maxZoom: 19 }).addTo(map);
    }
    var lat = parseFloat(settings.lat);
    var lng = parseFloat(settings.lng);
    if (isFinite(lat) && isFinite(lng)) { map.setView([lat, lng], 12); } else { map.setView([62, 16], 4); }
    return map;
  }

  // The kommun's outline, for orientation; it lets taps through to the map.
  function drawBoundary(map, url, fit) {
    if (!url) { return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) {
        if (!collection.features.length) { return; }
        var layer = L.geoJSON(collection.features[0], {
          interactive: false,
          style: function () { return { color: "#1d4e89", weight: 3, fillOpacity: 0.05 }; },
        }).addTo(map);
        layer.bringToBack();
        if (fit) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      })
      .catch(function () { /* the map still works without the outline */ });
  }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function setUpTipForm(form) {
    var block = form.querySelector("[data-map-block]");
    var lat = form.querySelector("input[name='latitude']");
    var lng = form.querySelector("input[name='longitude']");
    if (!block || !lat || !lng || !window.L) { return; }
    block.hidden = false;
    var texts = block.dataset;
    var status = block.querySelector("[data-map-status]");
    var clear = block.querySelector("[data-clear-point]");
    var locate = block.querySelector("[data-locate]");
    var map = baseMap(block.querySelector("[data-tip-map]"), form.dataset);
    var tiles = Boolean(form.dataset.tilesUrl);
    var chosen = null;
    var hasPoint = lat.value !== "" && lng.value !== "";

    function choose(point, zoom) {
      lat.value = round(point.lat);
      lng.value = round(point.lng);
      if (chosen) {
        chosen.setLatLng(point);
      } else {
        chosen = L.circleMarker(point, { radius: 10, color: "#a4161a", weight: 3, fillColor: "#e5383b", fillOpacity: 0.8 }).addTo(map);
      }
      if (zoom) { map.setView(point, zoom); }
      status.textContent = texts.chosen;
      clear.hidden = false;
    }

    if (hasPoint) {
      var point = L.latLng(parseFloat(lat.value), parseFloat(lng.value));
      map.setView(point, tiles ? 16 : 12);
      choose(point);
    }
    drawBoundary(map, form.dataset.geojsonUrl, !hasPoint || !tiles);

    map.on("click", function (event) { choose(event.latlng); });
    // Keyboard: move the map with the arrow keys; Enter chooses its centre.
    map.on("keypress", function (event) {
      if (event.originalEvent.key === "Enter") {
        event.originalEvent.preventDefault();
        choose(map.getCenter());
      }
    });
    clear.addEventListener("click", function () {
      lat.value = "";
      lng.value = "";
      if (chosen) { map.removeLayer(chosen); chosen = null; }
      status.textContent = texts.cleared;
      clear.hidden = true;
    });
    if (!navigator.geolocation) {
      locate.hidden = true;
      return;
    }
    locate.addEventListener("click", function () {
      status.textContent = texts.locating;
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locate.disabled = false;
          choose(L.latLng(position.coords.latitude, position.coords.longitude), tiles ? 17 : 13);
        },
        function () {
          locate.disabled = false;
          status.textContent = texts.notLocated;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function text(tag, content) {
    var element = document.createElement(tag);
    element.textContent = content;
    return element;
  }

  // The public map: one circle per grid cell, its size after the count, its reports listed in a popup.
  function setUpTipsMap(element) {
    var source = document.getElementById(element.dataset.cells);
    if (!source || !window.L) { return; }
    var cells = JSON.parse(source.textContent);
    element.hidden = false;
    var map = baseMap(element, element.dataset);
    drawBoundary(map, element.dataset.geojsonUrl, true);
    cells.forEach(function (cell) {
      var popup = document.createElement("div");
      popup.appendChild(text("strong", cell.count + " " + (cell.count === 1 ? element.dataset.one : element.dataset.many)));
      var list = document.createElement("ul");
      cell.items.forEach(function (item) {
        list.appendChild(text("li", item.category + ", " + item.week + ": " + item.count));
      });
      popup.appendChild(list);
      L.circleMarker([cell.lat, cell.lng], {
        radius: Math.min(8 + 3 * Math.sqrt(cell.count), 24),
        color: "#7a2e00",
        weight: 2,
        fillColor: "#b3541e",
        fillOpacity: 0.6,
      }).bindPopup(popup).addTo(map);
    });
  }

  var form = document.getElementById("tip-form");
  if (form) { setUpTipForm(form); }
  document.querySelectorAll("[data-tips-map]").forEach(setUpTipsMap);
})();
