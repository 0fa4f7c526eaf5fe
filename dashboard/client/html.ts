/**
 * Every page is built from these templates: each `${value}` is escaped unless it is itself
 * an Html built here, so text from the API (names, errors, log lines: anything a tenant
 * can write) can never become markup. There is no way to mark a plain string as safe.
 */
const brand = Symbol('html');

export interface Html {
  readonly [brand]: true;
  readonly text: string;
}

type Part = Html | string | number | boolean | null | undefined | Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeText(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

const isHtml = (v: unknown): v is Html => typeof v === 'object' && v !== null && brand in v;

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isHtml(v)) return v.text;
  return escapeText(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += render(values[i]) + strings[i + 1];
  return { [brand]: true, text };
}

/** Replaces an element's content; the only place the dashboard writes markup. */
export function mount(el: Element, content: Html): void {
  el.innerHTML = content.text;
  // The element may be a whole panel or a table's own tbody.
  const around = el.closest('table.stack');
  if (around) labelCells(around);
  el.querySelectorAll('table.stack').forEach(labelCells);
}

/** On a phone a `stack` table shows each row as a card; each cell is labelled with its column's heading (styles.css). */
function labelCells(table: Element): void {
  const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
  table.querySelectorAll('tbody tr').forEach((tr) =>
    [...tr.children].forEach((td, i) => {
      if (!td.hasAttribute('colspan')) td.setAttribute('data-label', headings[i] ?? '');
    }),
  );
}

export function $(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`dashboard: ${selector} is missing`);
  return el;
}
