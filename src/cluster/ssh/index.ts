/** The SSH backend of `Cluster`: import from here. */
export {
  BASE_HOST_PACKAGES,
  isDebianLike,
  parseOsRelease,
  removeChains,
  SshCluster,
  type SshClusterInit,
} from './cluster.ts';
export { type ConnectionOptions, type HostKeyPolicy, SshConnection } from './connection.ts';
export { type HostDefaults, parseHost, parseNodesFile, parseNodesList } from './hosts.ts';
export {
  checkHostKey,
  fingerprint,
  type HostKeyCheck,
  hostKeyRefusal,
  type KnownHostEntry,
  parseKnownHosts,
} from './known-hosts.ts';
export { quoteArg, quoteArgv, remoteArgv, remoteCommand } from './quote.ts';
export { SshRemote, type SshRemoteInit } from './remote.ts';
export type { SshAuth, SshClusterOptions, SshHost } from './types.ts';
