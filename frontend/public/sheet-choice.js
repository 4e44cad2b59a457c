// A workbook whose first sheet (or the one asked for) lacks the model's columns: the service lists
// its sheets in the problem, and the page offers them, the ones with the model's columns first,
// to predict again from the chosen one (?sheet=).
export function renderSheetChoice(problem, onChoose) {
  const block = document.getElementById('sheet-choice');
  const sheets = problem?.body?.sheets ?? [];
  block.hidden = sheets.length === 0;
  if (block.hidden) return;
  const select = document.getElementById('sheet');
  const ordered = [...sheets.filter((s) => s.hasModelColumns), ...sheets.filter((s) => !s.hasModelColumns)];
  select.replaceChildren(...ordered.map((s) => new Option(s.name, s.name)));
  document.getElementById('use-sheet').onclick = () => onChoose(select.value);
}
