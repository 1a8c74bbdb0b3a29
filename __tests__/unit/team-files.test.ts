/**
 * Team files: an environment's teams as one reviewed file each. Loading reads them into the
 * environment's tenants; every refusal names the file, the key and what is allowed, all at once.
 */
import {
  ConfigError,
  type ConfigProblem,
  formatProblems,
  loadEnvironments,
} from '../../environments';
import { writeLedger } from '../../environments/ledger';
import { localTenants } from '../../environments/local-tenants';
import type { EnvironmentConfig } from '../../environments/types';
import { join } from 'node:path';
import { teamFileText, teamName } from '../../bench/team-folder';
import { tenantFleet } from '../../bench/tenant-fleet';
import { type TeamFolder, copyTeamFolder } from '../support/team-folder';

let folder: TeamFolder;
/** Where the files are, as the messages name them. */
let FOLDER: string;
beforeEach(() => {
  folder = copyTeamFolder('local-tenants');
  FOLDER = join(folder.dir, 'local-tenants');
});
afterEach(() => folder.remove());

/** Loads local-tenants (or `env`) from the temporary folder; its problems, or none. */
function problemsOf(env: EnvironmentConfig = localTenants): ConfigProblem[] {
  try {
    loadEnvironments(undefined, [env], { teamsDir: folder.dir, ledgerDir: folder.ledgers });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
}

/** `file: key = value: allowed`, as the message prints them. */
const said = (problems: readonly ConfigProblem[]) =>
  problems.map(
    (p) => `${p.file ?? '(environment)'}: ${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`,
  );

describe('loading', () => {
  it("reads each file of the folder into the environment's tenants, in file-name order", () => {
    const [env] = loadEnvironments(['local-tenants']);
    expect(env.teamFiles).toBe('local-tenants');
    expect(env.tenants?.map((t) => [t.name, t.namespace, t.secrets.map((s) => s.name)])).toEqual([
      ['payments', 'team-payments', ['database']],
      ['search', 'team-search', ['opensearch']],
    ]);
    // Who reviews a file is the file's business, not the tenant's.
    expect(env.tenants?.map((t) => Object.keys(t))).not.toContainEqual(
      expect.arrayContaining(['owners']),
    );
  });

  it('takes JSON files beside YAML ones, and a $schema key for editors', () => {
    folder.write('search.yaml', undefined);
    folder.write(
      'search.json',
      JSON.stringify({
        $schema: '../team.schema.json',
        name: 'search',
        owners: ['@eks-vault-eso/team-search'],
        namespace: 'team-search',
        manageNamespace: true,
        secrets: [
          {
            name: 'opensearch',
            externalSecretName: 'opensearch',
            targetSecretName: 'opensearch',
            placeholder: { endpoint: 'x' },
          },
        ],
      }),
    );
    expect(problemsOf()).toEqual([]);
  });
});

describe('refusals name the file and the key', () => {
  it('a YAML file that does not parse: its line', () => {
    folder.write('search.yaml', 'name: search\nsecrets: [\n  - oops: {\n');
    expect(said(problemsOf())).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${FOLDER}/search.yaml: \\(file\\) = undefined: a team file that parses: line \\d+: `,
        ),
      ),
    ]);
  });

  it('a JSON file that does not parse: its line', () => {
    folder.write('search.yaml', undefined);
    folder.write('search.json', '{\n  "name": "search"\n  "namespace": "team-search"\n}\n');
    expect(said(problemsOf())[0]).toMatch(
      new RegExp(
        `^${FOLDER}/search.json: \\(file\\) = undefined: a team file that parses: line 3: `,
      ),
    );
  });

  it('a file named otherwise than its team, a misspelt key, a bad value, owners, all at once', () => {
    folder.write(
      'search.yaml',
      folder
        .read('search.yaml')
        .replace('name: search', 'name: serach')
        .replace('namespace: team-search', 'namepsace: team-search')
        .replace('targetSecretName: opensearch', 'targetSecretName: Open_Search')
        .replace("  - '@eks-vault-eso/team-search'", '  - team-search'),
    );
    const problems = problemsOf();
    expect(problems.every((p) => p.environment === 'local-tenants')).toBe(true);
    expect(said(problems)).toEqual(
      expect.arrayContaining([
        `${FOLDER}/search.yaml: name = "serach": "search", the file's own name: a team file is named after its team (rename the file or the team)`,
        `${FOLDER}/search.yaml: owners[0] = "team-search": a GitHub owner: "@org/team", "@user" or an e-mail address`,
        expect.stringMatching(
          new RegExp(
            `^${FOLDER}/search.yaml: namepsace = "team-search": not a known key; known: name, namespace,`,
          ),
        ),
        `${FOLDER}/search.yaml: namespace = undefined: a Kubernetes namespace name: lowercase letters, digits and "-", at most 63 characters`,
        `${FOLDER}/search.yaml: secrets[0].targetSecretName = "Open_Search": a Kubernetes object name: lowercase letters, digits, "-" and "."`,
      ]),
    );
    // One message, every problem in it, each line naming the file.
    const message = formatProblems(problems);
    expect(message).toContain(
      `  - local-tenants: ${FOLDER}/search.yaml: name = "serach": "search", the file's own name`,
    );
  });

  it('a team without owners', () => {
    folder.write(
      'search.yaml',
      folder.read('search.yaml').replace("owners:\n  - '@eks-vault-eso/team-search'\n", ''),
    );
    expect(said(problemsOf())).toEqual([
      `${FOLDER}/search.yaml: owners = undefined: a non-empty list of GitHub owners ("@org/team" or "@user") who review this file (CODEOWNERS)`,
    ]);
  });

  it('two files in one namespace: the second names the first', () => {
    folder.write(
      'search.yaml',
      folder.read('search.yaml').replace('namespace: team-search', 'namespace: team-payments'),
    );
    expect(said(problemsOf())).toEqual(
      expect.arrayContaining([
        `${FOLDER}/search.yaml: namespace = "team-payments": a namespace no other tenant has (${FOLDER}/payments.yaml has it)`,
      ]),
    );
  });

  it("dynamic database credentials: the shared engine's connection lists their roles", () => {
    folder.write('search.yaml', `${folder.read('search.yaml')}databaseCredentials: []\n`);
    expect(said(problemsOf())).toEqual([
      `${FOLDER}/search.yaml: databaseCredentials = []: none in a team file: a credential's role is listed in the shared engine's connection, which a team's stack cannot change (declare it with an inline tenant in the environment file)`,
    ]);
  });

  it('a renamed team: its stack is named after its file, and state does not move between stacks', () => {
    folder.write('search.yaml', `${folder.read('search.yaml')}renamedFrom: finder\n`);
    expect(said(problemsOf())).toEqual([
      `${FOLDER}/search.yaml: renamedFrom = "finder": none in a team file: a team's objects are a stack named after its file (local-tenants--search), and moved blocks cannot carry them from one stack's state to another's; to rename a team, destroy its stack while its file still has the old name (npm run destroy -- --env local-tenants --team finder), then rename the file`,
    ]);
  });

  it('an empty folder, and tenants beside team files', () => {
    folder.write('payments.yaml', undefined);
    folder.write('search.yaml', undefined);
    expect(said(problemsOf())).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\(environment\): teamFiles = "local-tenants": a folder of team files: .*local-tenants\/ holds none/,
        ),
      ]),
    );
    expect(
      said(problemsOf({ ...localTenants, teamFiles: 'no-such-folder' })).some((p) =>
        p.includes('teamFiles = "no-such-folder": a folder of team files'),
      ),
    ).toBe(true);
    expect(said(problemsOf({ ...localTenants, tenants: [] }))[0]).toBe(
      '(environment): tenants = []: none beside teamFiles: exactly one of secrets, tenants or teamFiles (the teams are the files of environments/teams/local-tenants/)',
    );
  });
});

describe('size: each team is a stack of its own', () => {
  /** `count` generated team files of `secrets` secrets each, in place of the shipped ones. */
  function generated(count: number, secrets: number): void {
    folder.write('payments.yaml', undefined);
    folder.write('search.yaml', undefined);
    for (let i = 1; i <= count; i++)
      folder.write(`${teamName(i)}.json`, teamFileText(teamName(i), secrets));
  }

  it('takes 200 teams of 10 secrets (2000 in all, over the one-stack bound of 1000)', () => {
    generated(200, 10);
    expect(problemsOf()).toEqual([]);
  });

  it('refuses a team of more than 1000 secrets, naming its file', () => {
    generated(2, 1);
    folder.write('t002.json', teamFileText('t002', 1001));
    expect(said(problemsOf())).toEqual([
      `${join(FOLDER, 't002.json')}: secrets = "(1001 secrets)": at most 1000 secrets in one team: its stack's plan reads them all; split the team`,
    ]);
  });

  it('refuses more than 4000 secrets in all the team files of an environment', () => {
    generated(5, 801);
    expect(said(problemsOf())).toEqual([
      '(environment): tenants[].secrets = "(4005 secrets)": at most 4000 secrets in all the team files of one environment: each team plans its own stack, but every synthesis builds them all (4005 would write about 10 MB of configuration); split them into several environments',
    ]);
  });

  it('keeps the one-stack bound for inline tenants', () => {
    const tenants = tenantFleet(2, 501);
    expect(said(problemsOf({ ...localTenants, teamFiles: undefined, tenants }))).toEqual([
      '(environment): tenants[].secrets = "(1002 secrets)": at most 1000 secrets in one environment: each adds resources and JSON every plan reads (1002 would write about 2 MB of configuration); split them into several environments',
    ]);
  });
});

describe("a team's deployed secrets, against its stack's ledger", () => {
  beforeEach(() => {
    writeLedger(
      {
        environment: 'local-tenants--search',
        entries: [
          {
            mount: 'teams',
            secret: 'search/opensearch',
            tenant: 'search',
            externalSecret: 'team-search/opensearch',
            target: 'opensearch',
          },
        ],
      },
      folder.ledgers,
    );
  });

  const withoutOpensearch = (retired: string) =>
    folder
      .read('search.yaml')
      .replace('name: opensearch', 'name: logs')
      .replace(/externalSecretName: opensearch/, 'externalSecretName: logs')
      .replace(/targetSecretName: opensearch/, 'targetSecretName: logs') + retired;

  it('leaving unsaid is refused in the team file, naming the stack ledger', () => {
    folder.write('search.yaml', withoutOpensearch(''));
    expect(said(problemsOf())).toEqual([
      `${FOLDER}/search.yaml: retiredSecrets = "search/opensearch": a list naming "search/opensearch": it was deployed (environments/ledgers/local-tenants--search.json; ExternalSecret team-search/opensearch, Secret opensearch) and is no longer declared. Retire it to keep its versions in Vault and stop managing it, declare it again, or declare where it went (movedFrom on the secret that replaces it)`,
    ]);
  });

  it('is accepted when the team retires it in its own file', () => {
    folder.write('search.yaml', withoutOpensearch('retiredSecrets:\n  - search/opensearch\n'));
    expect(problemsOf()).toEqual([]);
  });

  it('a deployed team whose file is gone is refused until its stack is destroyed', () => {
    folder.write('search.yaml', undefined);
    expect(said(problemsOf())).toEqual([
      '(environment): teamFiles = "local-tenants": a file for team "search", whose stack deployed secrets (environments/ledgers/local-tenants--search.json): to offboard a team, destroy its stack first (npm run destroy -- --env local-tenants --team search), then delete its ledger with its file',
    ]);
  });
});
