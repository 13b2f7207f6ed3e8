/**
 * Watching a run's containers for what faultline did not do: the engine's event stream (fast) and a
 * liveness sweep every `intervalMs` (catches what a reconnecting stream missed, and notices an engine
 * that stopped answering). A container that died without our crash nemesis, or that was removed, is a
 * lost node; an engine that is unreachable (its socket refuses, or is gone) is a lost engine.
 */
import type { Readable } from 'node:stream';
import type { ClusterEvent } from '../../core/remote.ts';
import type { Logger } from '../../util/log.ts';
import { type Engine, engineErrorMessage, isUnreachable } from './engine.ts';
import { LABEL_RUN } from './labels.ts';

/** The part of a node the watcher needs (DockerRemote has it). */
export interface WatchedNode {
  name: string;
  containerId: string;
  /** True while the container is down because faultline's crash nemesis crashed it. */
  crashedByFaultline: boolean;
}

export interface WatchOptions {
  engine: Engine;
  runId: string;
  /** The run's nodes (read at each event and sweep: the list may change). */
  nodes: () => readonly WatchedNode[];
  onEvent: (e: ClusterEvent) => void;
  logger: Logger;
  /** Liveness sweep period. Default 2000 ms. */
  intervalMs?: number;
  /** Consecutive sweeps that fail without an "unreachable" error before the engine counts as lost. */
  failuresBeforeLost?: number;
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Starts watching; the returned function stops it (no event is reported after it returns). */
export function watchCluster(o: WatchOptions): () => void {
  const intervalMs = o.intervalMs ?? 2000;
  const failuresBeforeLost = o.failuresBeforeLost ?? 5;
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${o.runId}`], type: ['container'] });
  const lost = new Set<string>();
  let stopped = false;
  let engineGone = false;
  let failures = 0;
  let stream: Readable | undefined;
  let sweeping = false;

  const nodeLost = (node: WatchedNode, detail: string) => {
    if (stopped || engineGone || lost.has(node.name)) return;
    lost.add(node.name);
    o.onEvent({ kind: 'node-lost', node: node.name, detail });
  };
  const engineLost = (err: unknown) => {
    if (stopped || engineGone) return;
    engineGone = true;
    o.onEvent({
      kind: 'engine-lost',
      detail: `the Docker engine went away (${engineErrorMessage(err, o.engine.endpoint).split(':')[0]})`,
    });
  };

  const nodeOf = (id: string) => o.nodes().find((n) => n.containerId === id);
  const onDockerEvent = (e: DockerEvent) => {
    const node = nodeOf(e.Actor?.ID ?? '');
    if (!node) return;
    if (e.Action === 'destroy') nodeLost(node, 'its container was removed, not by faultline');
    else if (e.Action === 'die' && !node.crashedByFaultline) {
      const code = e.Actor?.Attributes?.exitCode;
      nodeLost(node, `its container died${code ? ` (exit ${code})` : ''}, not by faultline's nemesis`);
    }
  };

  const subscribe = async () => {
    try {
      const s = (await o.engine.docker.getEvents({ filters } as never)) as unknown as Readable;
      if (stopped) {
        s.destroy();
        return;
      }
      stream = s;
      let buf = '';
      s.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) {
            try {
              onDockerEvent(JSON.parse(line) as DockerEvent);
            } catch {
              // not an event line: ignore
            }
          }
          nl = buf.indexOf('\n');
        }
      });
      // The stream ending is how a stopped engine usually shows first: sweep now, which decides.
      const ended = () => {
        if (stream === s) stream = undefined;
        if (!stopped) void sweep();
      };
      s.on('end', ended);
      s.on('close', ended);
      s.on('error', ended);
    } catch (err) {
      o.logger.debug(`watch ${o.runId}: event stream: ${engineErrorMessage(err, o.engine.endpoint)}`);
    }
  };

  // Liveness: every known node's container must still exist and run (or be down by our crash nemesis).
  const sweep = async () => {
    if (stopped || engineGone || sweeping) return;
    sweeping = true;
    try {
      const listed = await o.engine.docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`${LABEL_RUN}=${o.runId}`] }),
      });
      failures = 0;
      const state = new Map(listed.map((c) => [c.Id, c.State]));
      for (const node of o.nodes()) {
        const s = state.get(node.containerId);
        if (s === undefined) nodeLost(node, 'its container was removed, not by faultline');
        else if (s !== 'running' && s !== 'paused' && !node.crashedByFaultline)
          nodeLost(node, `its container is ${s}, not by faultline's nemesis`);
      }
      if (!stream && !stopped) await subscribe();
    } catch (err) {
      failures++;
      if (isUnreachable(err) || failures >= failuresBeforeLost) engineLost(err);
    } finally {
      sweeping = false;
    }
  };

  void subscribe();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    stream?.destroy();
    stream = undefined;
  };
}
