/**
 * One lab, both engines: `up` builds OpenTofu and Terraform, LAB_ENGINE picks the one a run uses
 * (TERRAFORM_BINARY_NAME and lab.json's toolchain.tfBinary), and the ESO versions the upgrade
 * tests switch between are built and cached by version like every other component.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVersions, requireVersion } from '../../common/versions';
import { ENGINES, engineFromEnv, loadConfig } from '../../lab/config';
import { type LabInfo, labEnv, readLabInfo } from '../../lab/info';
import { BUILD_SCRIPT, esoComponent } from '../../lab/toolchain';

describe('LAB_ENGINE', () => {
  it('is tofu unless set, terraform when asked, and refuses anything else naming both', () => {
    expect(engineFromEnv({})).toBe('tofu');
    expect(engineFromEnv({ LAB_ENGINE: '' })).toBe('tofu');
    expect(engineFromEnv({ LAB_ENGINE: 'terraform' })).toBe('terraform');
    expect(loadConfig({ LAB_ENGINE: 'terraform' }).engine).toBe('terraform');
    expect(() => engineFromEnv({ LAB_ENGINE: 'Terraform' })).toThrow(
      'LAB_ENGINE=Terraform is not an engine the lab has (tofu, terraform)',
    );
  });

  describe('picks the binary a reader of lab.json gets, and TERRAFORM_BINARY_NAME', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'lab-engine-'));
      const cliConfig = join(dir, 'tofu.rc');
      writeFileSync(cliConfig, '');
      const info = {
        labDir: dir,
        binDir: join(dir, 'bin'),
        vault: { addr: 'http://127.0.0.1:1', namespace: 'admin', rootTokenPath: join(dir, 'none') },
        kubernetes: { kubeconfig: join(dir, 'kubeconfig') },
        eks: { clusterName: 'c', region: 'r', motoUrl: 'http://127.0.0.1:2' },
        // As `up` writes it: both engines, and the one LAB_ENGINE named at that time.
        toolchain: {
          engine: 'tofu',
          tfBinary: '/built/tofu',
          engines: { tofu: '/built/tofu', terraform: '/built/terraform' },
          tfCliConfigFile: cliConfig,
        },
      } as unknown as LabInfo;
      writeFileSync(join(dir, 'lab.json'), JSON.stringify(info));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(ENGINES.map((e) => [e]))('%s', (engine) => {
      const info = readLabInfo(dir, engine);
      expect(info.toolchain.engine).toBe(engine);
      expect(info.toolchain.tfBinary).toBe(`/built/${engine}`);
      const env = labEnv(info, { includeToken: false });
      expect(env.TERRAFORM_BINARY_NAME).toBe(`/built/${engine}`);
      // Children (ops tools, a nested jest) read the lab with the same engine.
      expect(env.LAB_ENGINE).toBe(engine);
    });

    it('fails on a lab.json of an older `up` that knew one engine, saying what to run', () => {
      const old = join(dir, 'old');
      mkdirSync(old);
      writeFileSync(
        join(old, 'lab.json'),
        JSON.stringify({ labDir: old, toolchain: { tfBinary: '/built/tofu' } }),
      );
      expect(() => readLabInfo(old, 'terraform')).toThrow(
        /has no terraform \(started by an older `up`\): run `npm run lab -- up`/,
      );
    });
  });
});

describe('the components build.sh lists for the lab', () => {
  const versions = readVersions();
  const listed = new Map(
    execFileSync(BUILD_SCRIPT, ['--list'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/) as [string, string]),
  );

  it('include terraform, cached by its pinned version', () => {
    expect(listed.get('terraform')).toContain(
      `/terraform/${requireVersion(versions, 'TERRAFORM_VERSION')}-trim-`,
    );
  });

  it('include every ESO version the lab can run, each cached by its version', () => {
    const pinned = requireVersion(versions, 'ESO_VERSION');
    const earlier = requireVersion(versions, 'ESO_EARLIER_VERSIONS').split(/\s+/);
    expect(earlier.length).toBeGreaterThan(0);
    for (const version of [pinned, ...earlier]) {
      const component = esoComponent(version, versions);
      expect(listed.get(component)).toContain(`/eso/${version}-trim-`);
    }
    expect(() => esoComponent('0.0.1', versions)).toThrow(/ESO 0\.0\.1 is not built by the lab/);
  });
});
