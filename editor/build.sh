#!/bin/sh
# Dev-time build of the /sparql page's editor: CodeMirror 6 bundled by esbuild into one minified
# file shipped with the package. Run after changing src/ or the versions in package.json:
#   cd editor && npm ci && ./build.sh
# then update cipt_graph/api/static/NOTICE with the versions from `npm ls --all`.
set -eu
cd "$(dirname "$0")"
npx esbuild src/sparql-editor.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=eof --outfile=../cipt_graph/api/static/sparql-editor.js
