{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "agent-army.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: <release>-<chart>, or the release name when it contains the chart name. */}}
{{- define "agent-army.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of cluster-scoped objects (ClusterRole, ClusterRoleBinding): unique per release namespace too. */}}
{{- define "agent-army.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "agent-army.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "agent-army.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agent-army.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "agent-army.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "agent-army.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: agent-army
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "agent-army.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "agent-army.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "agent-army.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The `job` label Prometheus gives the operator's target (the metrics Service name by default). */}}
{{- define "agent-army.metricsJob" -}}
{{- default (printf "%s-metrics" (include "agent-army.fullname" .)) .Values.prometheusRule.operatorJob }}
{{- end }}

{{/*
Rules for the namespaces the operator reconciles: exactly what its controllers call.
  - agentarmy.dev kinds: informers (list/watch; get for consistency), status patches only — never spec.
  - agentarmies/finalizers and agentversions/finalizers update: children (an army's, and each version's
    config ConfigMap) carry ownerReferences with blockOwnerDeletion, which clusters with the
    OwnerReferencesPermissionEnforcement admission plugin only allow with this permission.
  - children (Deployments, ConfigMaps, Services, HPAs, PDBs, HTTPRoutes): informers + server-side apply
    (patch, and create for the first apply) + prune (delete). ConfigMaps are also read for prompts.
  - Secrets: get only (an AgentVersion's API key Secret must exist); never list, watch or change them.
  - Pods: list/watch for canary crash-loop detection.
  - Events: create, and patch to aggregate repeats.
*/}}
{{- define "agent-army.rules" -}}
# Exactly the calls the operator makes (test/chart/chart.test.ts holds the list; operator-rbac.test.ts runs
# the operator with this ServiceAccount's token through every path): informers list and watch, status
# merge patches, server-side apply of children (patch, and create the first time), pruning (delete).
- apiGroups: [agentarmy.dev]
  resources: [agentarmies]
  verbs: [list, watch]
# AgentVersions (in-use finalizer) and CanaryReleases (route finalizer): added and removed with a
# server-side apply of metadata.finalizers only.
- apiGroups: [agentarmy.dev]
  resources: [agentversions, canaryreleases]
  verbs: [list, watch, patch]
- apiGroups: [agentarmy.dev]
  resources: [agentarmies/status, agentversions/status, canaryreleases/status]
  verbs: [patch]
# ownerReferences with blockOwnerDeletion on children need update on the owner's finalizers.
- apiGroups: [agentarmy.dev]
  resources: [agentarmies/finalizers, agentversions/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch, create, patch, delete]
# ConfigMaps: children, plus a GET of an AgentVersion's promptRef.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, patch, delete]
# HTTPRoutes are the user's: the release reads one and writes its rules, never creates or deletes it.
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, patch]
# Only GET by name, in the object's own namespace: the model key (existence check) and analysis credentials.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# Pods: the agent pods' cache, and a LIST of a finished evaluation Job's pod (its termination message);
# PATCH of the annotation agentarmy.dev/traffic on canary pods during a CanaryRelease `mirror` step.
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch, patch]
# Evaluation Jobs of CanaryRelease `evaluation` steps: watched, created with server-side apply, never
# deleted (owned by the release, removed by ttlSecondsAfterFinished or with it).
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
