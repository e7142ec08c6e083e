// /docs: starts Swagger UI (shipped by fastapi-offline, served from this site) on the OpenAPI
// description named by the page (/openapi.fr.json or /openapi.en.json: the operations named in
// the page's language). No validator badge: it would load an image from elsewhere.
// Swagger UI has no translations of its own: on a French page its words (« Paramètres »,
// « Essayer »…) are put in French as it draws them (WORDS_FR, exact texts only).
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: box.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
  // The schemas' names (Block, Gaps…) are the API's contract, identifiers like code: marked so.
  function identifiers(root) {
    root.querySelectorAll(".models, .model-title, .model-box, .parameter__name, .parameter__type, .prop-type")
      .forEach(function (el) { if (!el.hasAttribute("translate")) el.setAttribute("translate", "no"); });
  }
  var french = document.documentElement.lang === "fr";
  var WORDS_FR = {
    "Parameters": "Paramètres", "No parameters": "Aucun paramètre", "Try it out": "Essayer",
    "Cancel": "Annuler", "Execute": "Exécuter", "Clear": "Effacer", "Responses": "Réponses",
    "Response": "Réponse", "Name": "Nom", "Links": "Liens",
    "No links": "Aucun lien", "Media type": "Type de contenu", "Controls Accept header.": "Règle l'en-tête Accept.",
    "Example Value": "Exemple de valeur", "Schema": "Schéma", "Schemas": "Schémas", "Request body": "Corps de la requête",
    "required": "obligatoire", "Request URL": "Adresse de la requête", "Server response": "Réponse du serveur",
    "Details": "Détails", "Response body": "Corps de la réponse", "Response headers": "En-têtes de la réponse",
    "Download": "Télécharger", "Loading...": "Chargement…", "Expand all": "Tout déplier",
    "Collapse all": "Tout replier", "Available values": "Valeurs possibles", "Default value": "Valeur par défaut",
    "Responses curl": "Réponses curl", "Undocumented": "Non documenté", "Example Description": "Exemple",
    "Examples": "Exemples", "Servers": "Serveurs", "Authorize": "Autoriser", "Close": "Fermer",
    "Request duration": "Durée de la requête", "Copy to clipboard": "Copier", "Filter by tag": "Filtrer par étiquette",
    "Expand operation": "Déplier l'opération", "Collapse operation": "Replier l'opération",
    "Failed to fetch.": "Échec du chargement.", "No response from server": "Aucune réponse du serveur"
  };
  var ATTRS = ["title", "aria-label", "placeholder"];
  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && Object.prototype.hasOwnProperty.call(WORDS_FR, text) && WORDS_FR[text] !== text) {
        node.nodeValue = node.nodeValue.replace(text, WORDS_FR[text]);
      }
    }
    root.querySelectorAll("[title], [aria-label], [placeholder]").forEach(function (el) {
      ATTRS.forEach(function (a) {
        var v = el.getAttribute(a);
        if (v && Object.prototype.hasOwnProperty.call(WORDS_FR, v.trim()) && WORDS_FR[v.trim()] !== v.trim()) {
          el.setAttribute(a, WORDS_FR[v.trim()]);
        }
      });
    });
  }
  function pass(root) {
    identifiers(root);
    if (french) translate(root);
  }
  // Run as each change is made (a microtask, before anything else reads the page); the words it
  // writes are not keys of WORDS_FR, so its own changes end there.
  new MutationObserver(function () { pass(box); })
    .observe(box, { childList: true, subtree: true, characterData: true });
  pass(box);
})();
