// Text for Leaflet, never markup: every map script loads this first (after leaflet.js). Leaflet writes a string
// label or attribution into the page as HTML, and an area's name, a category or Polisen's event type is data.
(function () {
  "use strict";

  // A DOM node holding the text, for bindTooltip and bindPopup.
  function label(text) {
    var holder = document.createElement("span");
    holder.textContent = text === undefined || text === null ? "" : String(text);
    return holder;
  }

  // The text escaped as HTML, for the attribution control, which takes only a string.
  function escaped(text) {
    return label(text).innerHTML;
  }

  window.LofteMapText = { label: label, escaped: escaped };
})();
