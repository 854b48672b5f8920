// EST reporting: a map per incident (tap, or "use my position", sets the hidden latitude and longitude), adding
// and removing incidents of a sitting, and the small map on one report. Without script the form still works:
// the reporter gives an address, a place or an area, and adds incidents with a submit button.
(function () {
  "use strict";

  // The tile provider's attribution is configured as plain text: escape it for the attribution control.
  var escaped = window.LofteMapText.escaped;

  var boundaries = {};

  function boundary(url) {
    if (!url) { return Promise.resolve(null); }
    if (!boundaries[url]) {
      boundaries[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .catch(function () { return null; });
    }
    return boundaries[url];
  }

  function baseMap(element, settings) {
    var map = L.map(element, { scrollWheelZoom: false });
    if (settings.tilesUrl) {
      L.tileLayer(settings.tilesUrl, { attribution: escaped(settings.tilesAttribution), maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // The kommun and its areas, for orientation; they let clicks through to the map.
  function drawBoundary(map, url, fit) {
    boundary(url).then(function (collection) {
      if (!collection || !collection.features.length) { return; }
      var outer = collection.features[0];
      var layer = L.geoJSON(collection, {
        interactive: false,
        style: function (feature) {
          var isOuter = feature === outer;
          return { color: isOuter ? "#1d4e89" : "#b3541e", weight: isOuter ? 3 : 1, fillOpacity: isOuter ? 0.05 : 0.08 };
        },
      }).addTo(map);
      layer.bringToBack();
      if (fit) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    });
  }

  function marker(point) {
    return L.circleMarker(point, { radius: 10, color: "#a4161a", weight: 3, fillColor: "#e5383b", fillOpacity: 0.8 });
  }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function localNow() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 16);
  }

  // One incident of the report form.
  function setUpIncident(section, settings) {
    var block = section.querySelector("[data-map-block]");
    var lat = section.querySelector("input[name$='-latitude']");
    var lng = section.querySelector("input[name$='-longitude']");
    if (!block || !lat || !lng || !window.L) { return; }
    block.hidden = false;
    var texts = block.dataset;
    var status = block.querySelector("[data-map-status]");
    var clear = block.querySelector("[data-clear-point]");
    var locate = block.querySelector("[data-locate]");
    var map = baseMap(block.querySelector("[data-report-map]"), settings);
    var chosen = null;
    var hasPoint = lat.value !== "" && lng.value !== "";
    var centre = [parseFloat(settings.lat), parseFloat(settings.lng)];

    function choose(point, zoom) {
      lat.value = round(point.lat);
      lng.value = round(point.lng);
      if (chosen) { chosen.setLatLng(point); } else { chosen = marker(point).addTo(map); }
      if (zoom) { map.setView(point, zoom); }
      status.textContent = texts.chosen + " " + lat.value + ", " + lng.value;
      clear.hidden = false;
    }

    if (hasPoint) {
      map.setView([parseFloat(lat.value), parseFloat(lng.value)], settings.tilesUrl ? 16 : 12);
      choose(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    } else if (isFinite(centre[0]) && isFinite(centre[1])) {
      map.setView(centre, 12);
    } else {
      map.setView([62, 16], 4);
    }
    drawBoundary(map, settings.geojsonUrl, !hasPoint || !settings.tilesUrl);

    map.on("click", function (event) { choose(event.latlng); });
    // Keyboard: move the map with the arrow keys, Enter chooses its centre.
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
          // Without tiles a close zoom shows nothing to recognise; keep the kommun's outline in view.
          choose(L.latLng(position.coords.latitude, position.coords.longitude), settings.tilesUrl ? 17 : 13);
        },
        function () {
          locate.disabled = false;
          status.textContent = texts.notLocated;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function setUpReportForm(form) {
    var settings = form.dataset;
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    var list = document.getElementById("incidents");
    var template = document.getElementById("incident-template");
    var add = form.querySelector("[data-add-incident]");
    var max = parseInt(settings.max, 10) || 20;
    var prefix = total.name.replace(/-TOTAL_FORMS$/, "");
    var indexed = new RegExp("(" + prefix + "-)\\d+(-)");

    function sections() { return list.querySelectorAll("[data-incident]"); }

    // Names, ids and headings follow the position, as the formset expects.
    function renumber() {
      sections().forEach(function (section, index) {
        section.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value) { element.setAttribute(attribute, value.replace(indexed, "$1" + index + "$2")); }
          });
        });
        section.id = "handelse-" + (index + 1);
        var heading = section.querySelector("h2");
        heading.id = section.id + "-rubrik";
        section.setAttribute("aria-labelledby", heading.id);
        heading.textContent = heading.textContent.replace(/\d+/, String(index + 1));
        var label = section.querySelector("[data-remove-incident] .visually-hidden");
        if (label) { label.textContent = label.textContent.replace(/\d+/, String(index + 1)); }
      });
      var count = sections().length;
      total.value = count;
      sections().forEach(function (section) {
        section.querySelector("[data-remove-incident]").hidden = count < 2;
      });
      if (add) { add.hidden = count >= max; }
    }

    function setUpRemove(section) {
      section.querySelector("[data-remove-incident]").addEventListener("click", function () {
        var next = section.nextElementSibling || section.previousElementSibling;
        section.remove();
        renumber();
        if (next) { next.querySelector("h2").focus(); }
      });
    }

    sections().forEach(function (section) {
      section.querySelector("h2").setAttribute("tabindex", "-1");
      setUpIncident(section, settings);
      setUpRemove(section);
    });
    renumber();

    if (!add || !template) { return; }
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = sections().length;
      if (index >= max) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1).trim();
      var section = holder.firstElementChild;
      list.appendChild(section);
      var time = section.querySelector("input[type='datetime-local']");
      if (time) { time.value = localNow(); }
      var heading = section.querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      setUpIncident(section, settings);
      setUpRemove(section);
      renumber();
      heading.focus();
      section.scrollIntoView({ block: "start" });
    });
  }

  var form = document.getElementById("report-form");
  if (form) { setUpReportForm(form); }

  document.querySelectorAll("[data-incident-map]").forEach(function (element) {
    if (!window.L) { return; }
    var point = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lng)];
    var map = baseMap(element, element.dataset);
    map.setView(point, element.dataset.tilesUrl ? 16 : 12);
    marker(point).addTo(map);
    drawBoundary(map, element.dataset.geojsonUrl, !element.dataset.tilesUrl);
  });
})();
