// Starts Swagger UI on /docs from the settings in the page's JSON data block: a file of the
// site, so the page needs no inline script (Content-Security-Policy: script-src 'self').
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-config").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
