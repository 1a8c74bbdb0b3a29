// One long-running lab process: start it detached if it is not running, wait until healthy, and
// leave a healthy one alone.
import type { CheckResult } from '../http';
import { portInUse, waitFor } from '../http';
import { logPath, pidPath } from '../paths';
import { isPidAlive, lastLogLine, runningPid, startDetached, stopTracked } from '../process';
import { LabError, errorMessage } from '../report';
import type { LabContext } from './context';
import type { PartGroup } from './groups';

export interface Health extends CheckResult {
  /** Running, but started with settings that no longer match (e.g. a new CA): restart it. */
  stale?: boolean;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ServiceDefinition {
  /** Name of its log and pid files and of its status line. */
  name: string;
  group: PartGroup;
  /** What a user would connect to. */
  address(ctx: LabContext): string;
  /** Every port it listens on, to detect a foreign server in the way. */
  ports(ctx: LabContext): { port: number; variable: string }[];
  health(ctx: LabContext): Promise<Health>;
  /** Builds the binary, writes config files, and returns how to start it. */
  prepare(ctx: LabContext): LaunchSpec | Promise<LaunchSpec>;
  startTimeoutMs: number;
  /** Idempotent work after it is healthy, on every `up`; returns extra words for the step line. */
  afterHealthy?(ctx: LabContext, pid: number): Promise<string | undefined>;
}

function failure(ctx: LabContext, service: ServiceDefinition, message: string): LabError {
  const log = logPath(ctx.paths, service.name);
  const last = lastLogLine(log);
  const oneLine = message.replace(/\s+/g, ' ');
  return new LabError(service.name, last ? `${oneLine}; last log line: ${last}` : oneLine, log);
}

async function finish(
  ctx: LabContext,
  service: ServiceDefinition,
  pid: number,
  outcome: string,
): Promise<string> {
  let extra: string | undefined;
  try {
    extra = await service.afterHealthy?.(ctx, pid);
  } catch (error) {
    if (error instanceof LabError) throw error;
    throw failure(ctx, service, errorMessage(error));
  }
  return extra ? `${outcome}, ${extra}` : outcome;
}

/** Brings one service up; returns the step line's text. */
export async function upService(ctx: LabContext, service: ServiceDefinition): Promise<string> {
  const pidFile = pidPath(ctx.paths, service.name);
  const existing = runningPid(pidFile);
  let restartReason = '';
  if (existing !== undefined) {
    const health = await service
      .health(ctx)
      .catch((error: unknown): Health => ({ ok: false, detail: errorMessage(error) }));
    if (health.ok)
      return finish(ctx, service, existing, `already running pid ${existing}, healthy`);
    if (health.stale) {
      await stopTracked(pidFile);
      restartReason = `restarted (${health.detail}), `;
    } else {
      // Alive but not answering yet: maybe still starting (e.g. a previous `up` was interrupted).
      try {
        await waitFor(
          () => service.health(ctx),
          service.startTimeoutMs,
          () => (isPidAlive(existing) ? undefined : 'it exited'),
        );
        return finish(
          ctx,
          service,
          existing,
          `already running pid ${existing}, healthy after waiting`,
        );
      } catch (error) {
        if (isPidAlive(existing)) {
          const reason = `running as pid ${existing} but unhealthy: ${errorMessage(error)}`;
          throw failure(ctx, service, reason);
        }
        await stopTracked(pidFile);
        restartReason = `restarted (pid ${existing} exited while unhealthy), `;
      }
    }
  } else {
    await stopTracked(pidFile); // nothing runs under it: just clears a stale pid file
  }

  for (const { port, variable } of service.ports(ctx)) {
    if (await portInUse(ctx.config.host, port)) {
      throw new LabError(
        service.name,
        `port ${port} is already in use by a process the lab did not start; stop it or set ${variable}`,
      );
    }
  }
  const launch = await service.prepare(ctx);
  const tracked = startDetached({
    command: launch.command,
    args: launch.args,
    env: launch.env,
    cwd: launch.cwd,
    logFile: logPath(ctx.paths, service.name),
    pidFile,
  });
  if (tracked.pid < 0) throw failure(ctx, service, tracked.exitStatus() ?? 'could not start');
  try {
    await waitFor(
      () => service.health(ctx),
      service.startTimeoutMs,
      () => tracked.exitStatus(),
    );
  } catch (error) {
    throw failure(ctx, service, errorMessage(error));
  }
  return finish(ctx, service, tracked.pid, `${restartReason}started pid ${tracked.pid}`);
}

export interface ServiceStatus {
  name: string;
  running: boolean;
  pid?: number;
  address: string;
  health: Health;
}

export async function serviceStatus(
  ctx: LabContext,
  service: ServiceDefinition,
): Promise<ServiceStatus> {
  const pid = runningPid(pidPath(ctx.paths, service.name));
  const address = service.address(ctx);
  if (pid === undefined)
    return {
      name: service.name,
      running: false,
      address,
      health: { ok: false, detail: 'not running' },
    };
  const health = await service
    .health(ctx)
    .catch((error: unknown): Health => ({ ok: false, detail: errorMessage(error) }));
  return { name: service.name, running: true, pid, address, health };
}
