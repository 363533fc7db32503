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

// A letter's preview is as tall as the letter, so that the page scrolls, not a box inside it
// (the frame runs no script of its own; it shares the origin so that its height can be read).
function fitLetter(frame) {
  const page = frame.contentDocument && frame.contentDocument.documentElement;
  if (page) frame.style.height = `${page.scrollHeight + 2}px`;
}
for (const frame of document.querySelectorAll("iframe.casework-letter")) {
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") fitLetter(frame);
  frame.addEventListener("load", () => fitLetter(frame));
}
