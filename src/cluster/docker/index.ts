/** The Docker backend of `Cluster`: import from here. */
export { type CleanResult, cleanByLabel, cleanHint, removeImages } from './clean.ts';
export { DEFAULT_SUBNET_POOL, DockerCluster, type DockerClusterOptions } from './cluster.ts';
export { type Check, type DoctorOptions, formatChecks, preflight, runDoctor } from './doctor.ts';
export {
  connectEngine,
  type Engine,
  EngineUnavailableError,
  engineErrorMessage,
  pingEngine,
} from './engine.ts';
export {
  customImage,
  ensureImage,
  FLAVOURS,
  type Flavour,
  type ImageOptions,
  type ImageResult,
  imageTag,
} from './image.ts';
export { LABEL_ALL, LABEL_NODE, LABEL_RUN, newRunId } from './labels.ts';
export { DockerRemote } from './remote.ts';
