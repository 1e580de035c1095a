{{/* Names and labels shared by every object. */}}
{{- define "kassa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kassa.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kassa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kassa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kassa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kassa.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kassa.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kassa.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kassa.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Checks that cannot be said in values.schema.json. */}}
{{- define "kassa.validate" -}}
{{- $loops := int (default "1" (index .Values.config "KASSA_CONSUMERS")) -}}
{{- $pods := int .Values.replicaCount -}}
{{- if .Values.autoscaling.keda.enabled -}}
{{- $pods = int .Values.autoscaling.keda.maxReplicas -}}
{{- if gt (int .Values.autoscaling.keda.minReplicas) $pods -}}
{{- fail "autoscaling.keda.minReplicas must not exceed maxReplicas" -}}
{{- end -}}
{{- end -}}
{{- if gt (mul $pods $loops) (int .Values.partitions) -}}
{{- fail (printf "%d worker pods x %d consumer loops (KASSA_CONSUMERS) exceed the %d partitions of the input topics: the extra group members would only idle (lower replicaCount or autoscaling.keda.maxReplicas, or add partitions)" $pods $loops (int .Values.partitions)) -}}
{{- end -}}
{{- range $key, $_ := .Values.config -}}
{{- if has $key (list "KASSA_HTTP_ADDR" "KASSA_DOCUMENTS_DIR" "KASSA_KAFKA_GROUP_INSTANCE_ID") -}}
{{- fail (printf "config.%s is set by the chart; leave it out" $key) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.gateway.enabled (not .Values.gateway.group) -}}
{{- fail "gateway.enabled needs gateway.group (the cash registers' group code)" -}}
{{- end -}}
{{- if and .Values.replay.enabled (not .Values.replay.from) -}}
{{- fail "replay.enabled needs replay.from (RFC 3339 UTC)" -}}
{{- end -}}
{{- end -}}

{{/* Environment of every kassa container: the chart's own settings, then config, then the
existing Secret. Inline (no ConfigMap) so that pre-install hooks, which run before any other
object exists, see the same settings. */}}
{{- define "kassa.env" -}}
- name: KASSA_HTTP_ADDR
  value: {{ printf "0.0.0.0:%d" (int .Values.httpPort) | quote }}
- name: KASSA_DOCUMENTS_DIR
  value: {{ .Values.documents.mountPath | quote }}
{{- range $key, $value := .Values.config }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "kassa.envFrom" -}}
- secretRef:
    name: {{ .Values.existingSecret }}
{{- end -}}

{{/* A non-root container with a read-only root filesystem and no capabilities. */}}
{{- define "kassa.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kassa.podSecurityContext" -}}
runAsNonRoot: true
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The writable paths: the documents folder and /tmp. */}}
{{- define "kassa.volumeMounts" -}}
- name: documents
  mountPath: {{ .Values.documents.mountPath }}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "kassa.volumes" -}}
- name: documents
{{- if .Values.documents.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-documents" (include "kassa.fullname" .)) .Values.documents.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* Pod-level settings shared by the worker, the Jobs and the CronJob. */}}
{{- define "kassa.podCommon" -}}
serviceAccountName: {{ include "kassa.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- include "kassa.podSecurityContext" . | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
