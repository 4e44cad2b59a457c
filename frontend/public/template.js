// The template downloads: the service makes them (GET /v1/models/{name}/template), a workbook in
// the page's language for Excel users, or the header alone as CSV.
export function fetchTemplate(model, format, lang) {
  const query = format === 'xlsx' ? `?format=xlsx&lang=${lang}` : '?format=csv';
  return fetch(`/api/models/${encodeURIComponent(model.name)}/template${query}`);
}
