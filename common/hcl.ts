/**
 * Text from an environment file, written into Terraform's JSON syntax. There every string value
 * of a resource, data source, provider, local or check is a template: `${...}` and `%{...}` in it
 * are evaluated (a placeholder value `${file("/etc/passwd")}` would write that file into Vault).
 * Configuration text that the stack splices into an expression it writes goes through
 * `hclString` (a quoted literal) or `hclStringContent` (the inside of one); nothing else escapes.
 * The validator keeps template markers out of every other key (names, paths, addresses), so
 * placeholder values are the only configuration text that may hold them.
 */

/** `${` and `%{` start a template sequence; doubling the first character makes it literal. */
const TEMPLATE_START = /([$%])\{/g;

/** C0 controls, DEL and the line separators: written as `\uNNNN`. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** The escapes HCL's quoted strings know by name; the other controls are `\uNNNN`. */
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The inside of an HCL quoted string whose value is `text`, exactly: backslashes and quotes
 * escaped, control characters as `\n`, `\r`, `\t` or `\uNNNN`, and `${`/`%{` as `$${`/`%%{`.
 * Throws on a lone surrogate (it has no UTF-8 form; the validator refuses it first).
 */
export function hclStringContent(text: string): string {
  if (!isWellFormed(text)) throw new Error('text with a lone surrogate has no HCL form');
  return text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(TEMPLATE_START, '$1$1{');
}

/** An HCL quoted string literal whose value is `text`, for an expression the stack writes. */
export function hclString(text: string): string {
  return `"${hclStringContent(text)}"`;
}

/** An HCL list literal of quoted strings (`["a","b"]`). */
export function hclStringList(texts: readonly string[]): string {
  return `[${texts.map(hclString).join(',')}]`;
}

/** Text every character of which has a UTF-8 form: no lone surrogate (half of an emoji). */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Does `text` hold a template sequence start (`${` or `%{`) that Terraform would evaluate? */
export function hasTemplateStart(text: string): boolean {
  return /[$%]\{/.test(text);
}
