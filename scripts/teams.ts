/**
 * Writes what the team files imply: the JSON Schema of a team file, generated from the
 * TypeScript type `TeamFile` (environments/types.ts: its keys, their documentation and defaults,
 * and the shapes the validator holds names to), and `.github/CODEOWNERS`, where each team file
 * and its stack's ledger are owned by the file's `owners`. A unit test fails when either
 * committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { teamStackName } from '../common/names';
import { ALL_ENVIRONMENTS } from '../environments';
import { OWNER_SHAPE, TEAM_SCHEMA_FILE, readTeamFolder } from '../environments/team-files';
import { DEFAULTS } from '../environments/defaults';
import { SHAPES } from '../environments/validate/checker';

const ROOT = join(__dirname, '..');
export const CODEOWNERS_FILE = join(ROOT, '.github', 'CODEOWNERS');
/** Who owns everything no team file claims: the platform team. */
export const PLATFORM_OWNERS = ['@eks-vault-eso/platform'];

const USAGE = `usage: npm run teams [-- --check]

Writes environments/teams/team.schema.json (the JSON Schema of a team file, from the type
TeamFile in environments/types.ts) and .github/CODEOWNERS (each team file, and its stack's
ledger, owned by the file's owners; everything else by ${PLATFORM_OWNERS.join(' ')}).

  --check  write nothing; exit 1 naming each file that is not what this would write

Exit status: 0 written (or up to date), 1 stale (--check) or a team folder that does not read,
2 bad arguments.
`;

/** Shapes the validator holds these keys to, as schema patterns (`Interface.key`). */
const PATTERNS: Record<string, { re: RegExp }> = {
  'TenantConfig.name': SHAPES.kebab,
  'TenantConfig.namespace': SHAPES.namespace,
  'TenantConfig.serviceAccountName': SHAPES.objectName,
  'TenantConfig.secretPrefix': SHAPES.secretName,
  'SecretConfig.name': SHAPES.secretName,
  'SecretConfig.path': SHAPES.secretName,
  'SecretConfig.externalSecretName': SHAPES.objectName,
  'SecretConfig.targetSecretName': SHAPES.objectName,
  'TeamFile.owners': { re: OWNER_SHAPE },
};

type Schema = Record<string, unknown>;

/** The documentation of a declaration, with its `@default` said in words. */
function describe(symbol: ts.Symbol, checker: ts.TypeChecker): string | undefined {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const defaults = symbol
    .getJsDocTags(checker)
    .filter((t) => t.name === 'default')
    .map((t) => ts.displayPartsToString(t.text).trim());
  const all = [text, ...defaults.map((d) => `Default: ${d}.`)].filter(Boolean).join('\n');
  // `DEFAULTS.x` said as its value: an editor shows the value, not where it is written.
  const said = all.replace(/DEFAULTS\.(\w+)/g, (whole, key: string) =>
    key in DEFAULTS ? JSON.stringify(DEFAULTS[key as keyof typeof DEFAULTS]) : whole,
  );
  return said === '' ? undefined : said.replace(/\s*\n\s*/g, ' ');
}

/** Turns TypeScript types into JSON Schema; named interfaces become `$defs`. */
class SchemaWriter {
  readonly defs: Record<string, Schema> = {};

  constructor(private readonly checker: ts.TypeChecker) {}

  type(type: ts.Type, owner?: string): Schema {
    const { checker } = this;
    if (type.isUnion()) {
      const parts = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
      if (parts.every((t) => t.isStringLiteral())) return { enum: parts.map((t) => t.value) };
      if (parts.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
      if (parts.length === 1) return this.type(parts[0], owner);
      return { anyOf: parts.map((t) => this.type(t, owner)) };
    }
    if (type.flags & ts.TypeFlags.String) return { type: 'string' };
    if (type.flags & ts.TypeFlags.Number) return { type: 'integer' };
    if (type.flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (type.isStringLiteral()) return { const: type.value };
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const [item] = checker.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: this.type(item, owner) };
    }
    const index = checker.getIndexInfosOfType(type)[0];
    if (index !== undefined && checker.getPropertiesOfType(type).length === 0)
      return { type: 'object', additionalProperties: this.type(index.type) };
    return this.object(type);
  }

  /** An object type: a `$defs` entry by its name when it has one. */
  private object(type: ts.Type): Schema {
    const name = type.aliasSymbol?.getName() ?? type.getSymbol()?.getName();
    const named = name !== undefined && /^[A-Z]/.test(name) && name !== 'Omit' && name !== 'Pick';
    if (named && this.defs[name] !== undefined) return { $ref: `#/$defs/${name}` };
    if (named) this.defs[name] = {};
    const schema = this.properties(type, named ? name : undefined);
    if (!named) return schema;
    this.defs[name] = schema;
    return { $ref: `#/$defs/${name}` };
  }

  /** Each property with its documentation and pattern; the required ones listed. */
  properties(type: ts.Type, name?: string): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const property of this.checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (declaration === undefined) continue;
      const owner = (declaration.parent as ts.InterfaceDeclaration).name?.getText();
      const schema = this.type(this.checker.getTypeOfSymbolAtLocation(property, declaration));
      const pattern = PATTERNS[`${owner}.${property.getName()}`]?.re.source;
      if (pattern !== undefined) {
        if (schema.type === 'array') (schema.items as Schema).pattern = pattern;
        else schema.pattern = pattern;
      }
      properties[property.getName()] = { description: describe(property, this.checker), ...schema };
      if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.getName());
    }
    return {
      type: 'object',
      ...(name === undefined ? {} : { title: name }),
      properties,
      required,
      additionalProperties: false,
    };
  }
}

/** The JSON Schema of a team file, from the type `TeamFile`. */
export function teamSchema(): string {
  const file = join(ROOT, 'environments', 'types.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'TeamFile',
  );
  if (declaration === undefined) throw new Error('environments/types.ts declares no TeamFile');
  const writer = new SchemaWriter(checker);
  const root = writer.properties(checker.getTypeAtLocation(declaration));
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://eks-vault-eso.invalid/team.schema.json',
    title: 'Team file',
    description: `${describe(checker.getSymbolAtLocation(declaration.name)!, checker)} Written by npm run teams from environments/types.ts: do not edit.`,
    ...root,
    $defs: writer.defs,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** `.github/CODEOWNERS`: every team file and its stack's ledger owned by the file's owners. */
export function codeOwners(): string {
  const lines = [
    '# Written by `npm run teams` from the owners of each team file: do not edit by hand.',
    '# A team file, and the ledger of its stack, are reviewed by the team that owns it; the rest,',
    '# this file included (a new team, new owners), by the platform team.',
    `* ${PLATFORM_OWNERS.join(' ')}`,
  ];
  for (const env of ALL_ENVIRONMENTS) {
    if (env.teamFiles === undefined) continue;
    const folder = readTeamFolder(env.name, env.teamFiles);
    if (folder.problems.length > 0)
      throw new Error(
        `the team files of ${env.name} do not read: ${folder.problems.map((p) => `${p.file ?? ''} ${p.key}: ${p.allowed}`).join('; ')}`,
      );
    for (const { file, owners } of folder.sources) {
      const team = basename(file, extname(file));
      const ledger = join('environments', 'ledgers', `${teamStackName(env.name, team)}.json`);
      lines.push(`/${file} ${owners.join(' ')}`, `/${ledger} ${owners.join(' ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function main(): number {
  const { values } = parseArgs({
    options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const files: [string, string][] = [
    [TEAM_SCHEMA_FILE, teamSchema()],
    [CODEOWNERS_FILE, codeOwners()],
  ];
  const stale = files.filter(([path, text]) => {
    try {
      return readFileSync(path, 'utf8') !== text;
    } catch {
      return true;
    }
  });
  for (const [path, text] of values.check ? [] : stale) writeFileSync(path, text);
  for (const [path] of stale)
    process.stderr.write(
      `teams: ${relative(ROOT, path)} ${values.check ? 'is stale: run npm run teams' : 'written'}\n`,
    );
  return values.check && stale.length > 0 ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`teams: ${(error as Error).message}\n`);
    process.exitCode = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
