/** @zonemesh/kubernetes — zonemesh on Kubernetes: workloads to Dataplanes, CRDs, store, webhooks. */
export { findKubeConfig, serviceAccountDir } from './kube-config.js';
export { collectionPath, createKubeClient } from './kube-client.js';
export { startInformer } from './informer.js';
export {
  KubeLabels,
  dataplaneForPod,
  dataplaneName,
  isInjectionEnabled,
  isPodInMesh,
  isPodServing,
  meshOfPod,
  protocolOf,
  resolveTargetPort,
  serviceSelects,
  workloadControllerName,
} from './workload-dataplane.js';
export { startWorkloadController } from './workload-controller.js';
export type { FindKubeConfigOptions, KubeConfigSource, LoadedKubeConfig } from './kube-config.js';
export type {
  KubeClient,
  KubeList,
  KubeMeta,
  KubeObject,
  KubeWatchEvent,
  KubeWatchOptions,
} from './kube-client.js';
export type { Informer, InformerEvent, InformerOptions } from './informer.js';
export type { WorkloadInput, WorkloadOutcome } from './workload-dataplane.js';
export type { WorkloadController, WorkloadControllerOptions } from './workload-controller.js';
export { startKubernetesEnvironment } from './kubernetes-environment.js';
export type { KubernetesEnvironment, KubernetesEnvironmentOptions } from './kubernetes-environment.js';
export {
  customResourceDefinition,
  customResourceDefinitions,
  kubernetesPlural,
  kumaCollectionPath,
  kumaGroup,
  kumaVersion,
  openApiSchemaFor,
  typeOfPlural,
} from './custom-resource-definitions.js';
export { crdFiles } from './crd-files.js';
export type { CrdFile } from './crd-files.js';
export {
  AdmissionRequestSchema,
  AdmissionReviewSchema,
  allow,
  allowWithPatch,
  deny,
} from './admission-review.js';
export { startAdmissionServer } from './admission-server.js';
export { admitResource, ownershipMessage } from './resource-admission.js';
export {
  InjectionAnnotations,
  injectSidecar,
  sidecarAdminPort,
  sidecarContainerName,
  sidecarPatch,
} from './sidecar-injection.js';
export {
  createSelfSignedWebhookCertificate,
  readWebhookCertificate,
  serviceDnsNames,
} from './webhook-certificate.js';
export {
  WebhookConfigurationNames,
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from './webhook-configurations.js';
export { inboundsForPod, outboundsForPod } from './workload-dataplane.js';
export type { AdmissionRequest, AdmissionResponse, StatusCause } from './admission-review.js';
export type { AdmissionHandler, AdmissionServer, AdmissionServerOptions } from './admission-server.js';
export type { ResourceAdmissionOptions } from './resource-admission.js';
export type { SidecarInjectionOptions } from './sidecar-injection.js';
export type { WebhookCertificate } from './webhook-certificate.js';
export type { WebhookTarget } from './webhook-configurations.js';
export type { WorkloadInbound, WorkloadOutbound } from './workload-dataplane.js';
export { isImportedKind, policyImportName, startPolicyImport } from './policy-import-controller.js';
export type { PolicyImport, PolicyImportOptions } from './policy-import-controller.js';
export {
  StoreAnnotations,
  candidateNames,
  createKubernetesStore,
  isSecretCheckpoint,
  toResource,
} from './kubernetes-store.js';
export type { KubernetesStoreOptions } from './kubernetes-store.js';
export {
  IngressAnnotations,
  advertisedAddressOf,
  ingressControllerName,
  startZoneIngressController,
  zoneIngressSelector,
} from './zone-ingress-controller.js';
export type {
  AdvertisedAddress,
  ZoneIngressController,
  ZoneIngressControllerOptions,
} from './zone-ingress-controller.js';
