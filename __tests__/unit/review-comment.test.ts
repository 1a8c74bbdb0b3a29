/**
 * The review workflow's comment (scripts/review-comment.js): one comment per pull request,
 * created once and updated in place by each run after, holding every environment's review. The
 * GitHub client is an in-memory issue thread with the calls github-script's client offers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MARKER, LIMIT, postReview, reviewBody } = require('../../scripts/review-comment.js') as {
  MARKER: string;
  LIMIT: number;
  reviewBody: (dir: string) => string;
  postReview: (args: { github: unknown; context: unknown; dir?: string }) => Promise<string>;
};

interface Comment {
  id: number;
  body: string;
}

/** A pull request's comments, behind the calls the script makes; page size 2 to page. */
function thread(initial: Comment[]) {
  const comments = [...initial];
  const listComments = ({ page = 1 }: { page?: number }) =>
    Promise.resolve({ data: comments.slice((page - 1) * 2, page * 2) });
  const github = {
    paginate: async (list: typeof listComments, params: object) => {
      const all: Comment[] = [];
      for (let page = 1; ; page++) {
        const { data } = await list({ ...params, page });
        if (data.length === 0) return all;
        all.push(...data);
      }
    },
    rest: {
      issues: {
        listComments,
        createComment: ({ body }: { body: string }) => {
          comments.push({ id: comments.length + 100, body });
          return Promise.resolve({});
        },
        updateComment: ({ comment_id, body }: { comment_id: number; body: string }) => {
          const found = comments.find((c) => c.id === comment_id);
          if (!found) throw new Error(`no comment ${comment_id}`);
          found.body = body;
          return Promise.resolve({});
        },
      },
    },
  };
  const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
  return { comments, github, context };
}

describe('the review comment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reviews-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'staging.md'), '# Review: staging\n');
  writeFileSync(join(dir, 'prod.md'), '# Review: prod\n');
  writeFileSync(join(dir, 'run.log'), 'not a review');

  it('holds every environment review in name order, behind the marker', () => {
    expect(reviewBody(dir)).toBe(`${MARKER}\n# Review: prod\n\n---\n\n# Review: staging\n`);
  });

  it('is created once, then updated in place (found by its marker, past the first page)', async () => {
    const { comments, github, context } = thread([
      { id: 1, body: 'a person' },
      { id: 2, body: 'another' },
      { id: 3, body: 'a third' },
    ]);
    expect(await postReview({ github, context, dir })).toBe('created');
    expect(comments.map((c) => c.id)).toEqual([1, 2, 3, 103]);
    writeFileSync(join(dir, 'prod.md'), '# Review: prod, pushed again\n');
    expect(await postReview({ github, context, dir })).toBe('updated');
    expect(comments).toHaveLength(4);
    expect(comments[3].body).toContain('# Review: prod, pushed again');
    expect(comments.slice(0, 3).map((c) => c.body)).toEqual(['a person', 'another', 'a third']);
  });

  it("says so when no review was produced, and cuts a long one at GitHub's limit", () => {
    expect(reviewBody(join(dir, 'absent'))).toBe(
      `${MARKER}\nNo review was produced: see the workflow run.`,
    );
    const long = mkdtempSync(join(dir, 'long-'));
    writeFileSync(join(long, 'prod.md'), 'x'.repeat(70000));
    const body = reviewBody(long);
    expect(body.length).toBeLessThan(65536);
    expect(body.slice(0, LIMIT)).toBe(`${MARKER}\n${'x'.repeat(LIMIT - MARKER.length - 1)}`);
    expect(body).toMatch(/\(cut here: the whole review is in the run's artifacts\)$/);
  });
});
