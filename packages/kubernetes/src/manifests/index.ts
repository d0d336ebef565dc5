/**
 * @zonemesh/kubernetes/manifests — the install manifests (what `zmctl install` prints), without
 * loading the Kubernetes client.
 */
export {
  controlPlaneDnsNames,
  controlPlaneManifests,
  controlPlaneTlsSecret,
  natsHubConfig,
  natsLeafConfig,
} from './control-plane-manifests.js';
export { createControlPlaneTlsCertificate } from './control-plane-tls.js';
export { manifestsToYaml } from './manifest-yaml.js';
export { customResourceDefinitions } from '../custom-resource-definitions.js';
export type {
  ControlPlaneManifestOptions,
  ControlPlaneTlsCertificate,
  Manifest,
} from './control-plane-manifests.js';
