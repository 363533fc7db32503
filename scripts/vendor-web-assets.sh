#!/usr/bin/env bash
# Vendor the web app's front-end files from npm: GOV.UK Frontend, htmx 2, mermaid; axe-core for
# the browser tests. Run by hand when upgrading; nothing here runs at install time.
# GOV.UK Frontend's CSS is kept as published except that its GDS Transport @font-face rules are
# removed and the font name dropped from its stacks: that font is for GOV.UK alone, so pages use
# the system font, and no request goes out for a font file we do not ship.
set -euo pipefail
cd "$(dirname "$0")/.."
GOVUK=${GOVUK:-6.6.0} HTMX=${HTMX:-2.0.11} MERMAID=${MERMAID:-11.17.2} AXE=${AXE:-4.14.1}
work=$(mktemp -d)
(cd "$work" && for p in "govuk-frontend@$GOVUK" "htmx.org@$HTMX" "mermaid@$MERMAID" "axe-core@$AXE"; do
  npm pack -q "$p" >/dev/null; done && for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done)
static=casework/web/static
rm -f "$static"/govuk-frontend-*.min.* "$static"/htmx-*.min.js "$static"/mermaid-*.min.js
dist="$work/govuk-frontend-$GOVUK/package/dist/govuk"
sed -E 's/@font-face\{[^}]*\}//g; s/GDS Transport,//g; s/font-family:GDS Transport([;}])/font-family:sans-serif\1/g' \
  "$dist/govuk-frontend.min.css" > "$static/govuk-frontend-$GOVUK.min.css"
cp "$dist/govuk-frontend.min.js" "$static/govuk-frontend-$GOVUK.min.js"
cp "$work/htmx.org-$HTMX/package/dist/htmx.min.js" "$static/htmx-$HTMX.min.js"
cp "$work/mermaid-$MERMAID/package/dist/mermaid.min.js" "$static/mermaid-$MERMAID.min.js"
mkdir -p tests/e2e/vendor
cp "$work/axe-core-$AXE/package/axe.min.js" "tests/e2e/vendor/axe-$AXE.min.js"
rm -rf "$work"
echo "vendored GOV.UK Frontend $GOVUK, htmx $HTMX, mermaid $MERMAID, axe-core $AXE"
