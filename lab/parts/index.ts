// The lab's parts in start order: setup steps and long-running services.
import {
  ensureGreenEsoCrds,
  ensureGreenPki,
  greenApiserver,
  greenControllerManager,
  greenEso,
  registerGreenCluster,
} from './clusters';
import type { LabContext } from './context';
import { eksEmulator } from './eks';
import { esoController, ensureEsoCrds } from './eso';
import { etcd } from './etcd';
import type { PartGroup } from './groups';
import { kubeApiserver, kubeControllerManager } from './kubernetes';
import { openbao } from './openbao';
import { ensurePostgresVenv, postgres } from './postgres';
import { ensurePki } from './pki';
import type { ServiceDefinition } from './service';
import { upService } from './service';
import { ensureToolchain } from './terraform';
import { ensureVenv } from './venv';

export interface Step {
  name: string;
  /** Runs when any of these groups is selected. */
  groups: PartGroup[];
  run(ctx: LabContext): Promise<string>;
}

function serviceStep(service: ServiceDefinition, groups: PartGroup[] = [service.group]): Step {
  return { name: service.name, groups, run: (ctx) => upService(ctx, service) };
}

/** Every service, in start order (`down` stops them in reverse). */
export const SERVICES: ServiceDefinition[] = [
  openbao,
  eksEmulator,
  etcd,
  kubeApiserver,
  kubeControllerManager,
  esoController,
  greenApiserver,
  greenControllerManager,
  greenEso,
  postgres,
];

export const STEPS: Step[] = [
  { name: 'venv', groups: ['vault', 'eks'], run: ensureVenv },
  serviceStep(openbao),
  { name: 'pki', groups: ['eks', 'kubernetes'], run: (ctx) => Promise.resolve(ensurePki(ctx)) },
  serviceStep(eksEmulator),
  serviceStep(etcd),
  serviceStep(kubeApiserver),
  serviceStep(kubeControllerManager),
  { name: 'eso-crds', groups: ['eso'], run: ensureEsoCrds },
  serviceStep(esoController),
  // The second cluster: its PKI, its place in the emulator, its API server, controllers and ESO.
  {
    name: 'pki-green',
    groups: ['clusters'],
    run: (ctx) => Promise.resolve(ensureGreenPki(ctx)),
  },
  { name: 'eks-green', groups: ['clusters'], run: registerGreenCluster },
  serviceStep(greenApiserver),
  serviceStep(greenControllerManager),
  { name: 'eso-crds-green', groups: ['clusters'], run: ensureGreenEsoCrds },
  serviceStep(greenEso),
  { name: 'postgres-venv', groups: ['database'], run: ensurePostgresVenv },
  serviceStep(postgres),
  // Last: a cold build of the providers takes long, and the servers do not need them.
  { name: 'toolchain', groups: ['toolchain'], run: ensureToolchain },
];

export function stepsFor(groups: PartGroup[]): Step[] {
  return STEPS.filter((step) => step.groups.some((group) => groups.includes(group)));
}

export function servicesFor(groups: PartGroup[]): ServiceDefinition[] {
  return SERVICES.filter((service) => groups.includes(service.group));
}
