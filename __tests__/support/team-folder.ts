/**
 * Temporary team folders: a copy of a shipped environment's team files, changed as a test says,
 * loaded with `teamsDir` (and an empty ledger directory unless given one).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEAMS_DIR } from '../../environments/team-files';

export interface TeamFolder {
  /** The directory to pass as `teamsDir`. */
  readonly dir: string;
  /** An empty ledger directory, for `ledgerDir`. */
  readonly ledgers: string;
  /** Writes (or, with undefined, deletes) a file of the folder. */
  write(file: string, text: string | undefined): void;
  read(file: string): string;
  remove(): void;
}

/** A copy of `environments/teams/<folder>/` in a temporary directory. */
export function copyTeamFolder(folder: string): TeamFolder {
  const dir = mkdtempSync(join(tmpdir(), 'teams-'));
  const ledgers = mkdtempSync(join(tmpdir(), 'ledgers-'));
  mkdirSync(join(dir, folder));
  for (const file of readdirSync(join(TEAMS_DIR, folder)))
    writeFileSync(join(dir, folder, file), readFileSync(join(TEAMS_DIR, folder, file)));
  return {
    dir,
    ledgers,
    write(file, text) {
      if (text === undefined) rmSync(join(dir, folder, file), { force: true });
      else writeFileSync(join(dir, folder, file), text);
    },
    read: (file) => readFileSync(join(dir, folder, file), 'utf8'),
    remove() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(ledgers, { recursive: true, force: true });
    },
  };
}
