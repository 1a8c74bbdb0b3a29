/**
 * The one escape for configuration text in Terraform expressions (common/hcl.ts). The decoder
 * below reads an HCL quoted string the way HCL's scanner does (named escapes, \uNNNN, the doubled
 * template starts; a bare `${` or `%{` is an interpolation it refuses), so a round trip through it
 * proves that what the stack writes is read back as the text, and never evaluated.
 */
import fc from 'fast-check';
import {
  hasTemplateStart,
  hclString,
  hclStringContent,
  hclStringList,
  isWellFormed,
} from '../../common/hcl';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The value of an HCL quoted string literal without template sequences; throws on one. */
function readHclString(literal: string): string {
  if (!literal.startsWith('"') || !literal.endsWith('"') || literal.length < 2)
    throw new Error(`not a quoted string: ${literal}`);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[++i];
      if (next === 'u') {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (next in ESCAPES) out += ESCAPES[next];
      else throw new Error(`unknown escape \\${next} in ${literal}`);
    } else if ((c === '$' || c === '%') && body[i + 1] === c && body[i + 2] === '{') {
      out += `${c}{`;
      i += 2;
    } else if ((c === '$' || c === '%') && body[i + 1] === '{') {
      throw new Error(`template sequence at ${i} in ${literal}`);
    } else if (c === '"') {
      throw new Error(`unescaped quote at ${i} in ${literal}`);
    } else out += c;
  }
  return out;
}

describe('hclString: configuration text as an HCL string literal', () => {
  it.each([
    ['plain', 'dummy_value1', '"dummy_value1"'],
    ['an interpolation', '${file("/etc/hostname")}', '"$${file(\\"/etc/hostname\\")}"'],
    ['a directive', '%{ if true }x%{ endif }', '"%%{ if true }x%%{ endif }"'],
    ['an escaped interpolation stays what it was', '$${x}', '"$$${x}"'],
    ['a lone dollar and percent', '$ 5 % {x}', '"$ 5 % {x}"'],
    ['quotes', 'say "hi"', '"say \\"hi\\""'],
    ['backslashes', 'C:\\dir\\n', '"C:\\\\dir\\\\n"'],
    ['newlines and tabs', 'a\nb\r\tc', '"a\\nb\\r\\tc"'],
    [
      'other control characters',
      'bell\u0007nul\u0000del\u007f',
      '"bell\\u0007nul\\u0000del\\u007f"',
    ],
    ['unicode, unchanged', 'café ☕ 𝄞 日本', '"café ☕ 𝄞 日本"'],
    ['line separators', 'a\u2028b\u2029', '"a\\u2028b\\u2029"'],
  ])('%s', (_what, text, literal) => {
    expect(hclString(text)).toBe(literal);
    expect(readHclString(literal)).toBe(text);
  });

  it('round-trips any well-formed text, and never leaves a template sequence', () => {
    const pieces = fc.constantFrom('${', '%{', '$${', '%%{', '$', '%', '{', '}', '"', '\\', '\n');
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme' }), pieces), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(readHclString(hclString(t))).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a lone surrogate, which has no UTF-8 form', () => {
    expect(isWellFormed('𝄞')).toBe(true);
    expect(isWellFormed('\ud834')).toBe(false);
    expect(isWellFormed('x\udd1e')).toBe(false);
    expect(() => hclStringContent('a\ud834b')).toThrow('lone surrogate');
  });

  it('lists are of literals, in the compact form the stack has always written', () => {
    expect(hclStringList(['a', 'b'])).toBe('["a","b"]');
    expect(hclStringList(['${x}'])).toBe('["$${x}"]');
  });

  it('hasTemplateStart finds what Terraform would evaluate', () => {
    expect(hasTemplateStart('a${b}')).toBe(true);
    expect(hasTemplateStart('%{if}')).toBe(true);
    expect(hasTemplateStart('$ {x} % {y}')).toBe(false);
  });
});
