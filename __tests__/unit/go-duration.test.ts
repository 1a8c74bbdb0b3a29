import { canonicalGoDuration, goDurationSeconds } from '../../common/go-duration';

describe('Go durations', () => {
  it.each([
    ['0', '0s'],
    ['1m', '1m0s'],
    ['1h', '1h0m0s'],
    ['15m', '15m0s'],
    ['90s', '1m30s'],
    ['1h30m', '1h30m0s'],
    ['1.5s', '1.5s'],
    ['500ms', '500ms'],
    ['61m', '1h1m0s'],
  ])('%s is written as %s, the form ESO writes back', (input, expected) => {
    expect(canonicalGoDuration(input)).toBe(expected);
  });

  it.each([
    ['15s', 15],
    ['1m', 60],
    ['1h30m', 5400],
    ['500ms', 0.5],
    ['0', 0],
  ])('%s is %d seconds', (input, seconds) => {
    expect(goDurationSeconds(input)).toBe(seconds);
  });

  it('refuses what is not a duration', () => {
    expect(() => goDurationSeconds('soon')).toThrow('"soon" is not a Go duration');
    expect(() => canonicalGoDuration('1 hour')).toThrow(
      '"1 hour" is not a Go duration such as "1h", "15m" or "90s"',
    );
  });
});
