/** Helpers of the construct tests: the synthesized JSON, and matchers that ignore cdktf's hashes. */
export type Synth = Record<string, Record<string, Record<string, Record<string, unknown>>>>;
export const parse = (text: string) => JSON.parse(text) as Synth;
/** A reference to `type.<any name>.attribute`, whatever hash cdktf gave the name. */
export const ref = (type: string, attribute: string): unknown =>
  expect.stringMatching(
    new RegExp(`^\\$\\{${type}\\.[^.]+\\.${attribute.replace(/[.[\]]/g, '\\$&')}\\}$`),
  );
export const partial = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);
export const countOf = (text: string, kind: 'resource' | 'data' | 'ephemeral', type: string) =>
  Object.keys(parse(text)[kind]?.[type] ?? {}).length;
