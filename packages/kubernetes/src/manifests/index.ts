/**
 * @zonemesh/kubernetes/manifests — the install manifests (what `zmctl install` prints), without
 * loading the Kubernetes client.
 */
export { controlPlaneManifests, natsHubConfig, natsLeafConfig } from './control-plane-manifests.js';
export { manifestsToYaml } from './manifest-yaml.js';
export { customResourceDefinitions } from '../custom-resource-definitions.js';
export type { ControlPlaneManifestOptions, Manifest } from './control-plane-manifests.js';
