// The SPARQL editor of the /sparql page: CodeMirror 6 with the SPARQL mode of
// @codemirror/legacy-modes. Bundled by ./build.sh into cipt_graph/api/static/sparql-editor.js,
// which exposes window.CiptSparqlEditor.create(parent, textarea, options) for query.js
// (options: label, run, phrases).
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { EditorState, Prec } from "@codemirror/state";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

// The editor lives in a shadow root: there CodeMirror's styles go into a constructed style sheet
// (adoptedStyleSheets) instead of an inline <style> element, which the site's
// Content-Security-Policy (style-src 'self') refuses.
const theme = EditorView.theme({
  "&": { height: "20rem", border: "1px solid #cbd2d9", borderRadius: "4px", fontSize: "13px", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "3px solid #f6c343", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace', overflow: "auto" },
});

function create(parent, textarea, options) {
  options = options || {};
  const shadow = parent.shadowRoot || parent.attachShadow({ mode: "open" });
  const mount = document.createElement("div");
  shadow.appendChild(mount);
  const view = new EditorView({
    parent: mount,
    root: shadow,
    doc: textarea.value,
    extensions: [
      basicSetup,
      theme,
      // The editor's own words (search panel, go to line, folding…) in the page's language:
      // options.phrases maps CodeMirror's English phrases to their translation.
      EditorState.phrases.of(options.phrases || {}),
      StreamLanguage.define(sparql),
      EditorView.lineWrapping,
      // Ctrl/Cmd+Enter runs the query (before the default keymap, which inserts a line).
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { if (options.run) options.run(); return true; } }])),
      EditorView.contentAttributes.of({ "aria-label": options.label || "SPARQL", spellcheck: "false" }),
      // The textarea stays the form's field (and the fallback without script): keep it in step.
      EditorView.updateListener.of((update) => { if (update.docChanged) textarea.value = update.state.doc.toString(); }),
    ],
  });
  textarea.hidden = true;
  parent.setAttribute("data-editor", "codemirror");
  return {
    view: view,
    get: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
  };
}

window.CiptSparqlEditor = { create: create };
