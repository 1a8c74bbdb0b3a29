/**
 * The doctor's report in Markdown (`npm run doctor -- --markdown`, for a job summary): each link
 * it walked, and the chain's picture (the review's, ops/review/picture.ts) with the links it
 * found broken marked broken.
 */
import type { Chain } from '../review/chain';
import {
  type LinkKind,
  type LinkMark,
  chainPicture,
  linkKey,
  mermaidBlock,
} from '../review/picture';
import type { CheckResult } from './model';

/** The picture's links each doctor link checks (links outside the picture: none). */
const PICTURED: Readonly<Record<string, readonly LinkKind[]>> = {
  'auth-method': ['cluster-account'],
  'auth-config': ['cluster-account'],
  'kubernetes-rbac': ['cluster-account'],
  role: ['account-role'],
  login: ['account-role'],
  'policy-grants': ['policy-path'],
  'read-secrets': ['policy-path'],
  'kv-mount': ['path-store'],
  'secrets-exist': ['path-store'],
  'eso-ready': ['store-external'],
  'targets-kept': ['store-external'],
};

/**
 * The chain with the links the failed checks name marked broken: an environment's check breaks
 * that link in every tenant's chain, a tenant's check in its own.
 */
export function doctorMarks(chain: Chain, results: readonly CheckResult[]): Map<string, LinkMark> {
  const marks = new Map<string, LinkMark>();
  for (const r of results.filter((r) => r.status === 'fail')) {
    const kinds = PICTURED[r.id] ?? [];
    for (const link of chainPicture(chain).links)
      if (kinds.includes(link.kind) && (r.tenant === undefined || r.tenant === link.tenant))
        marks.set(linkKey(link), { status: 'broken', note: r.id });
  }
  return marks;
}

const STATUS: Record<CheckResult['status'], string> = {
  ok: 'ok',
  fail: '**FAIL**',
  'not-checked': 'not checked',
};

/** One table cell: no line breaks, no pipes. */
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\n/g, ' ').replace(/\|/g, '\\|');
}

export function renderDoctorMarkdown(
  environment: string,
  results: readonly CheckResult[],
  chain: Chain,
): string {
  const broken = results.filter((r) => r.status === 'fail');
  const lines = [
    `# Doctor: ${environment}`,
    '',
    broken.length === 0
      ? 'Healthy: every link holds.'
      : `Broken: ${broken.map((r) => (r.tenant ? `${r.id} (tenant ${r.tenant})` : r.id)).join(', ')}.`,
    '',
    '| link | tenant | status | found | fix |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.tenant ?? ''} | ${STATUS[r.status]} | ${cell(r.status === 'not-checked' ? '' : r.detail)} | ${cell(r.fix)} |`,
    ),
    '',
    '## Chain',
    '',
    'Red crossed links: broken, labelled with the failed check.',
    '',
    mermaidBlock({ ...chainPicture(chain), linkMarks: doctorMarks(chain, results) }),
  ];
  return `${lines.join('\n')}\n`;
}
