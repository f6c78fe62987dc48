"""The workspace's CSS and the small scripts its HTML panes run (kept apart from the layout code).

The CSS travels inside the page (a ``<style>`` in a gr.HTML), not as a ``launch(css=...)``
argument, so the app looks the same when ``briefing serve`` mounts it on its FastAPI app.
"""

CSS = """
#bf-style { display: none; }
#bf-header { padding: 2px 4px 0; }
.bf-brand { font-size: 20px; font-weight: 700; letter-spacing: .2px; }
.bf-brand span { font-size: 14px; font-weight: 400; color: var(--body-text-color-subdued); margin-left: 10px; }
.bf-conv { display: flex; flex-direction: column; gap: 14px; font-size: 15px; line-height: 1.5; padding: 4px 2px; }
.bf-empty { color: var(--body-text-color-subdued); padding: 10px 4px; }
.bf-turn { display: flex; flex-direction: column; gap: 8px; }
.bf-q { align-self: flex-end; max-width: 85%; white-space: pre-wrap; padding: 8px 12px; border-radius: 12px;
  background: var(--color-accent-soft); }
.bf-q .who { display: none; }
.bf-a { padding: 10px 14px; border-radius: 12px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); }
.bf-a .text, .bf-a .draft { white-space: pre-wrap; }
.bf-abstained { border-left: 4px solid #d97706; }
.bf-error { border-left: 4px solid #dc2626; }
.bf-a .badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 6px; padding: 1px 8px;
  margin-bottom: 6px; color: #92400e; background: #fef3c7; }
.bf-a .step { font-size: 13px; color: var(--body-text-color-subdued); }
button.cite, button.psg { background: none; border: none; padding: 0 2px; margin: 0; cursor: pointer;
  color: var(--color-accent); font: inherit; font-weight: 600; border-radius: 4px; }
button.psg { font-weight: 500; text-align: left; }
button.cite:hover, button.psg:hover, .bf-active { text-decoration: underline; background: var(--color-accent-soft); }
.bf-a ol.sources, .bf-a ul.passages { list-style: none; margin: 8px 0 0; padding: 0; font-size: 13px; }
.bf-a ol.sources li, .bf-a ul.passages li { margin: 2px 0; }
.bf-a .snippet { color: var(--body-text-color-subdued); margin: 2px 0 6px 4px; font-size: 13px; }
.bf-a .closest { margin-top: 8px; font-size: 13px; font-weight: 600; }
.note { font-size: 13px; color: #b45309; margin-top: 6px; }
.bf-a .foot { font-size: 12px; color: var(--body-text-color-subdued); margin-top: 6px; }
.inferred { font-style: italic; }
.bf-panel { font-size: 14px; }
.bf-panel .ptitle { font-weight: 600; font-size: 16px; line-height: 1.35; }
.bf-panel .pn { color: var(--color-accent); }
.bf-panel .pmeta { font-size: 13px; color: var(--body-text-color-subdued); margin: 4px 0 8px; }
.bf-panel .docid { font-family: var(--font-mono); font-size: 12px; }
.bf-panel .doc { position: relative; white-space: pre-wrap; max-height: 440px; overflow: auto; line-height: 1.55;
  padding: 10px 12px; border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-primary); }
mark.passage { background: #fef9c3; color: #1f2937; padding: 0; }
.bf-panel .doc mark.passage { background: #fefce8; box-shadow: -6px 0 0 #facc15; }
mark.evidence { background: #fde047; color: #111827; padding: 0 1px; border-radius: 2px; }
.verdicts { margin: 0 0 8px; font-size: 13px; }
.verdicts summary { cursor: pointer; font-weight: 600; }
.verdicts ul { list-style: none; margin: 4px 0 0; padding: 0; }
.verdicts li { margin: 3px 0; }
.vbadge { display: inline-block; min-width: 64px; text-align: center; font-size: 11px; font-weight: 700;
  border-radius: 5px; padding: 0 6px; margin-right: 4px; }
.v-supported .vbadge { background: #dcfce7; color: #166534; }
.v-partly .vbadge { background: #fef3c7; color: #92400e; }
.v-not-found .vbadge { background: #fee2e2; color: #991b1b; }
.v-no-answer .vbadge { background: #e5e7eb; color: #374151; }
table.bf-report, table.bf-status { border-collapse: collapse; font-size: 13px; width: 100%; }
table.bf-report td, table.bf-report th, table.bf-status td, table.bf-status th { text-align: left;
  padding: 4px 8px; border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
table.bf-status th { width: 140px; }
tr.st-failed td:nth-child(2) { color: #b91c1c; font-weight: 600; }
tr.st-added td:nth-child(2), tr.st-updated td:nth-child(2) { color: #15803d; font-weight: 600; }
ol.bf-hits { margin: 0; padding-left: 20px; font-size: 14px; }
ol.bf-hits li { margin-bottom: 8px; }
.bf-hits .htitle { font-weight: 600; font-size: 14px; }
.bf-hits .hmeta { font-size: 12px; color: var(--body-text-color-subdued); }
.bf-hits .snippet { font-size: 13px; }
#bf-docs .header-table, #bf-docs .virtual-row, #bf-docs table { font-family: var(--font); font-size: 13px; }
#bf-question textarea { font-size: 15px; }
.bf-brief { font-size: 14px; line-height: 1.5; max-width: 920px; }
.bf-brief h1 { font-size: 20px; margin: 8px 0 2px; }
.bf-brief h2 { font-size: 16px; margin: 14px 0 4px; }
.bf-brief h3 { font-size: 14px; margin: 10px 0 2px; }
.bf-brief ul, .bf-brief ol { margin: 2px 0 6px; padding-left: 22px; }
.bf-brief table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
.bf-brief td, .bf-brief th { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--border-color-primary); }
.bf-brief a.cite { color: #1d4ed8; text-decoration: none; font-size: 12px; vertical-align: super; }
.bf-notice { font-size: 13px; color: #b91c1c; }
"""

CONVERSATION_JS = """
if (!element.dataset.bfBound) {
  element.dataset.bfBound = "1";
  element.addEventListener("click", (event) => {
    const target = event.target.closest("[data-cite]");
    if (!target || !element.contains(target)) return;
    event.preventDefault();
    element.querySelectorAll(".bf-active").forEach((el) => el.classList.remove("bf-active"));
    target.classList.add("bf-active");
    trigger("click", {
      turn: Number(target.dataset.turn), kind: target.dataset.kind, n: Number(target.dataset.n)
    });
  });
}
"""

PANEL_JS = """
const focusPassage = () => {
  const box = element.querySelector(".doc");
  const mark = element.querySelector("mark.evidence") || element.querySelector("mark.passage");
  if (box && mark) box.scrollTop = Math.max(0, mark.offsetTop - 60);
};
watch("value", focusPassage);
focusPassage();
"""
