// The SPARQL editor of the /sparql page: CodeMirror 6 with the SPARQL mode of
// @codemirror/legacy-modes. Bundled by ./build.sh into cipt_graph/api/static/sparql-editor.js,
// which exposes window.CiptSparqlEditor.create(parent, textarea, options) for query.js.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { Prec } from "@codemirror/state";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

function create(parent, textarea, options) {
  options = options || {};
  const view = new EditorView({
    parent: parent,
    doc: textarea.value,
    extensions: [
      basicSetup,
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
