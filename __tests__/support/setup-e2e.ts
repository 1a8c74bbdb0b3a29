// Lab steps take minutes. Jest ignores `testTimeout` inside a project's config (only the root's
// counts), so a test without its own timeout got 5 s and failed when a plan ran slower than that.
jest.setTimeout(10 * 60 * 1000);
