{{- define "zonemesh.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{- define "zonemesh.labels" -}}
app.kubernetes.io/part-of: zonemesh
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "zonemesh.securityContext" -}}
runAsNonRoot: true
runAsUser: 5678
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "zonemesh.bundledHub" -}}
{{- if and (eq .Values.mode "global") (not .Values.nats.url) }}true{{ end -}}
{{- end -}}

{{- define "zonemesh.leafNode" -}}
{{- if and (eq .Values.mode "zone") .Values.nats.leafRemote }}true{{ end -}}
{{- end -}}

{{- define "zonemesh.natsUrl" -}}
{{- if or (include "zonemesh.bundledHub" .) (include "zonemesh.leafNode" .) -}}
nats://zonemesh-nats.{{ .Release.Namespace }}.svc:4222
{{- else -}}
{{ .Values.nats.url }}
{{- end -}}
{{- end -}}

{{- define "zonemesh.tlsSecret" -}}
{{ default "zonemesh-control-plane-tls" .Values.tls.existingSecret }}
{{- end -}}

{{- define "zonemesh.controlPlaneHostnames" -}}
zonemesh-control-plane,zonemesh-control-plane.{{ .Release.Namespace }},zonemesh-control-plane.{{ .Release.Namespace }}.svc,zonemesh-control-plane.{{ .Release.Namespace }}.svc.cluster.local
{{- end -}}
