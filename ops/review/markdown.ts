/**
 * The review of a change, in Markdown: for each stack of an environment (its own, each team's),
 * what the plan adds, changes, replaces, destroys and forgets, which secret paths become readable
 * and by whom, and the chain's picture with those changes marked. The pull-request workflow posts
 * it as a comment; `npm run review` writes it.
 */
import type { PlanJson } from '../drift-report';
import { teamOfStack } from '../../common/names';
import type { Chain } from './chain';
import { mermaidBlock } from './picture';
import {
  type NewlyReadable,
  type StackChanges,
  CHANGE_KINDS,
  changeCount,
  newlyReadable,
  planPicture,
  stackChanges,
} from './plan';

export interface StackReview {
  readonly stack: string;
  /** Undefined when the plan could not be made. */
  readonly changes?: StackChanges;
  readonly newlyReadable: readonly NewlyReadable[];
  /** The Mermaid block (or the sentence saying the stack holds no chain). */
  readonly picture: string;
  readonly error?: string;
}

/** One stack's review from its chain and its plan. */
export function reviewStack(chain: Chain, plan: PlanJson): StackReview {
  return {
    stack: chain.stack,
    changes: stackChanges(plan),
    newlyReadable: newlyReadable(chain, plan),
    picture: mermaidBlock(planPicture(chain, plan)),
  };
}

/** A stack whose plan failed: the error (already free of values) instead of a review. */
export function failedReview(stack: string, error: string): StackReview {
  return { stack, newlyReadable: [], picture: '', error };
}

function teamCell(stack: string): string {
  return teamOfStack(stack)?.team ?? '(environment)';
}

function summaryRow(r: StackReview): string {
  if (r.changes === undefined) return `| ${r.stack} | ${teamCell(r.stack)} | error | | | | | |`;
  const counts = CHANGE_KINDS.map((k) => r.changes![k].length);
  return `| ${r.stack} | ${teamCell(r.stack)} | ${counts.join(' | ')} | ${r.newlyReadable.length} |`;
}

function stackSection(r: StackReview): string[] {
  const team = teamOfStack(r.stack)?.team;
  const lines = ['', `## ${r.stack}${team ? ` (team ${team})` : ''}`, ''];
  if (r.changes === undefined)
    return [...lines, 'The plan could not be made:', '', '```', r.error ?? '', '```'];
  if (changeCount(r.changes) === 0) lines.push('No changes.');
  for (const kind of CHANGE_KINDS) {
    const list = r.changes[kind];
    if (list.length === 0) continue;
    lines.push(`**${kind}** (${list.length}):`, '', ...list.map((a) => `- \`${a}\``), '');
  }
  if (r.newlyReadable.length > 0) {
    lines.push('', '### Newly readable', '', '| path | role | service account | cluster |');
    lines.push('|---|---|---|---|');
    for (const n of r.newlyReadable)
      lines.push(`| \`${n.path}\` | ${n.role} | ${n.account} | ${n.cluster} |`);
  }
  lines.push('', '### Chain', '', r.picture);
  return lines;
}

/** The whole review of an environment's stacks. */
export function renderReview(environment: string, reviews: readonly StackReview[]): string {
  const lines = [
    `# Review: ${environment}`,
    '',
    '| stack | team | added | changed | replaced | destroyed | forgotten | newly readable |',
    '|---|---|---|---|---|---|---|---|',
    ...reviews.map(summaryRow),
    '',
    'In the pictures, green links and objects are added, amber ones changed, red crossed links broken.',
  ];
  for (const r of reviews) lines.push(...stackSection(r));
  return `${lines.join('\n')}\n`;
}
