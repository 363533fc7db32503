// Start GOV.UK Frontend's components once the page loads, and again in what htmx swaps in;
// draw the case diagram (mermaid) the same way.
import { initAll } from "./govuk-frontend-6.6.0.min.js";

function start(root) {
  initAll({ scope: root });
  if (window.mermaid && root.querySelector(".mermaid")) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ nodes: root.querySelectorAll(".mermaid") });
  }
}
window.addEventListener("load", () => start(document.body));
document.body.addEventListener("htmx:afterSettle", (event) => start(event.detail.elt));
