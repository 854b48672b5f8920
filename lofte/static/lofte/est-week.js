// The weekly lägesbild's map: the kommun's outline from the API, then the week's reports, repeat places, hot spot
// cells and Polisen's events from a json_script element. Nothing here is finer than the server sent.
// Every label is passed to Leaflet as a DOM node holding text: Leaflet writes a string label into the page as HTML,
// and category names and Polisen's event types are data, not markup.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  var textLabel = window.LofteMapText.label; // text, never markup (map-text.js)
  var escaped = window.LofteMapText.escaped;

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  // Polisen's symbol, a small dark square; one element per marker, as a node can stand in one place only.
  function policeIcon() {
    var icon = svgElement("svg", { width: "12", height: "12", viewBox: "0 0 12 12", "aria-hidden": "true" });
    icon.appendChild(svgElement("rect", { x: "1", y: "1", width: "10", height: "10", fill: "#222", stroke: "#fff" }));
    return icon;
  }

  function draw(map, data) {
    var layers = [];
    data.hot.forEach(function (feature) {
      layers.push(L.geoJSON(feature, {
        style: function () { return { color: "#a4161a", weight: 1, fillColor: "#e5383b", fillOpacity: 0.45 }; },
        onEachFeature: function (f, layer) { layer.bindTooltip(textLabel(f.properties.name)); },
      }));
    });
    data.repeat.forEach(function (place) {
      layers.push(L.circleMarker([place.lat, place.lng], {
        radius: 14, color: "#b3541e", weight: 3, fill: false,
      }).bindTooltip(textLabel(place.label)));
    });
    data.points.forEach(function (point) {
      var radius = 5 + Math.min(point.count, 9);
      var label = point.count > 1 ? point.count + ": " + point.label : point.label;
      layers.push(L.circleMarker([point.lat, point.lng], {
        radius: radius, color: "#ffffff", weight: 1, fillColor: "#2b6cb0", fillOpacity: 0.85,
      }).bindTooltip(textLabel(label)));
    });
    data.police.forEach(function (event) {
      var icon = L.divIcon({ html: policeIcon(), className: "est-police-marker", iconSize: [12, 12] });
      layers.push(L.marker([event.lat, event.lng], { icon: icon, keyboard: false }).bindTooltip(textLabel(event.label)));
    });
    var group = L.featureGroup(layers).addTo(map);
    return group;
  }

  document.querySelectorAll(".map[data-est-geojson-url]").forEach(function (element) {
    var source = document.getElementById(element.dataset.source);
    if (!source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    if (element.dataset.tilesUrl) {
      L.tileLayer(element.dataset.tilesUrl, { attribution: escaped(element.dataset.tilesAttribution), maxZoom: 18 })
        .addTo(map);
    }
    var drawn = draw(map, data);
    function fitToReports() {
      if (drawn.getLayers().length) {
        map.fitBounds(drawn.getBounds(), { padding: [24, 24], maxZoom: 15 });
      } else {
        map.setView([62, 15], 4);
      }
    }
    fetch(element.dataset.estGeojsonUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) {
        var outline = L.geoJSON(collection.features.slice(0, 1), {
          style: function () { return { color: "#1d4e89", weight: 2, fillOpacity: 0.05 }; },
          interactive: false,
        }).addTo(map);
        outline.bringToBack();
        if (outline.getLayers().length) {
          map.fitBounds(outline.getBounds(), { padding: [12, 12] });
        } else {
          fitToReports();
        }
        element.dataset.loaded = "true";
      })
      .catch(fitToReports);
  });
})();
