// The review workflow's pull-request comment (.github/workflows/review.yml, through
// actions/github-script): every environment's review (reviews/<environment>.md) in one comment,
// found again by its first line and updated in place, so a pull request carries one review that
// each push refreshes. Plain JavaScript: github-script requires it as it is, without a build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The first line of the comment: how the next run finds it. */
const MARKER = '<!-- eks-vault-eso review -->';
/** GitHub refuses a comment body over 65536 characters. */
const LIMIT = 65000;

/**
 * The comment's body from the reviews in `dir` (one Markdown file per environment, in name
 * order), cut at GitHub's limit with a pointer to the run's artifacts.
 * @param {string} dir
 * @returns {string}
 */
function reviewBody(dir) {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .sort()
    : [];
  const reviews =
    files.length === 0
      ? 'No review was produced: see the workflow run.'
      : files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n\n');
  const body = `${MARKER}\n${reviews}`;
  return body.length > LIMIT
    ? `${body.slice(0, LIMIT)}\n\n(cut here: the whole review is in the run's artifacts)`
    : body;
}

/**
 * Creates the review comment, or updates the one an earlier run made.
 * @param {{ github: any, context: any, dir?: string }} args github-script's client and context
 * @returns {Promise<'created' | 'updated'>}
 */
async function postReview({ github, context, dir = 'reviews' }) {
  const body = reviewBody(dir);
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number,
  });
  const mine = comments.find((c) => (c.body ?? '').startsWith(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return 'updated';
  }
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return 'created';
}

module.exports = { MARKER, LIMIT, reviewBody, postReview };
