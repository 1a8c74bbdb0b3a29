/** Vault ACL policy text, as far as this project writes and reads it. */

export interface PolicyPath {
  readonly path: string;
  readonly capabilities: string[];
}

const PATH_BLOCK = /path\s+"([^"]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g;

/** Parses the `path "..." { capabilities = [...] }` blocks; `rest` is any text that is not one. */
export function parsePolicy(text: string): { paths: PolicyPath[]; rest: string } {
  const paths: PolicyPath[] = [];
  const rest = text.replace(PATH_BLOCK, (_all, path: string, caps: string) => {
    paths.push({
      path,
      capabilities: caps
        .split(',')
        .map((c) => c.trim().replace(/^"|"$/g, ''))
        .filter((c) => c.length > 0),
    });
    return '';
  });
  return { paths, rest: rest.replace(/#[^\n]*/g, '').trim() };
}
