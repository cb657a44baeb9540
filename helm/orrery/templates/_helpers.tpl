{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "orrery.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, or the release name alone when it already contains the chart name.
Truncated to 40 characters so that "<fullname>-silo-<group>-<replicaset hash>-<pod hash>" stays a
valid pod name.
*/}}
{{- define "orrery.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orrery.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "orrery.labels" -}}
helm.sh/chart: {{ include "orrery.chart" . }}
{{ include "orrery.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: orrery
{{- end }}

{{/* Labels that select the release's objects (never changed by an upgrade: selectors are immutable). */}}
{{- define "orrery.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orrery.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of every silo of the release, whatever its group. */}}
{{- define "orrery.siloSelectorLabels" -}}
{{ include "orrery.selectorLabels" . }}
app.kubernetes.io/component: silo
{{- end }}

{{/* Name of a silo group's Deployment (and PodDisruptionBudget). Call with (list $ $group). */}}
{{- define "orrery.siloGroupName" -}}
{{- $root := index . 0 }}{{- $group := index . 1 }}
{{- printf "%s-silo-%s" (include "orrery.fullname" $root) $group.name }}
{{- end }}

{{/* The headless Service of all silos (silo-to-silo traffic, scraping) and the client Service (the Orleans gateway). */}}
{{- define "orrery.peersServiceName" -}}
{{- printf "%s-silos" (include "orrery.fullname" .) }}
{{- end }}
{{- define "orrery.gatewayServiceName" -}}
{{- include "orrery.fullname" . }}
{{- end }}
{{/* The Orleans gateway clients dial (ORRERY_GATEWAY): the client Service on OrleansSilo:GatewayPort. */}}
{{- define "orrery.gatewayAddress" -}}
{{- printf "%s.%s.svc:%d" (include "orrery.gatewayServiceName" .) .Release.Namespace (int .Values.silo.orleansGatewayPort) }}
{{- end }}

{{- define "orrery.serviceAccountName" -}}
{{- if .Values.silo.serviceAccount.create }}
{{- default (include "orrery.fullname" .) .Values.silo.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.silo.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the chart generates (cluster secret, Redis password and connection string). */}}
{{- define "orrery.generatedSecretName" -}}
{{- printf "%s-secrets" (include "orrery.fullname" .) }}
{{- end }}

{{/* Where the cluster secret comes from: name and key. */}}
{{- define "orrery.clusterSecretName" -}}
{{- default (include "orrery.generatedSecretName" .) .Values.cluster.secret.existingSecret }}
{{- end }}
{{- define "orrery.clusterSecretKey" -}}
{{- if .Values.cluster.secret.existingSecret }}{{ .Values.cluster.secret.existingSecretKey }}{{ else }}cluster-secret{{ end }}
{{- end }}

{{/* Where the Redis connection string comes from: name and key. */}}
{{- define "orrery.redisSecretName" -}}
{{- if .Values.redis.enabled }}{{ include "orrery.generatedSecretName" . }}{{ else }}{{ .Values.redis.external.existingSecret }}{{ end }}
{{- end }}
{{- define "orrery.redisSecretKey" -}}
{{- if .Values.redis.enabled }}redis-connection-string{{ else }}{{ .Values.redis.external.existingSecretKey }}{{ end }}
{{- end }}

{{- define "orrery.redisName" -}}
{{- printf "%s-redis" (include "orrery.fullname" .) }}
{{- end }}

{{/* Does the chart generate a Secret at all? */}}
{{- define "orrery.generatesSecret" -}}
{{- if or (not .Values.cluster.secret.existingSecret) .Values.redis.enabled }}true{{ end }}
{{- end }}

{{/* image reference: repository:tag, the tag defaulting to appVersion. Call with (list $ .Values.image.silo). */}}
{{- define "orrery.image" -}}
{{- $root := index . 0 }}{{- $image := index . 1 }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}

{{/* Pod terminationGracePeriodSeconds of a silo. */}}
{{- define "orrery.terminationGracePeriodSeconds" -}}
{{- $grace := int .Values.silo.shutdownGracePeriodSeconds }}
{{- if kindIs "invalid" .Values.silo.terminationGracePeriodSeconds }}
{{- add $grace 25 }}
{{- else }}
{{- $given := int .Values.silo.terminationGracePeriodSeconds }}
{{- if lt $given (add $grace 15) }}
{{- fail (printf "silo.terminationGracePeriodSeconds is %d; it must be at least silo.shutdownGracePeriodSeconds + 15 = %d, or the kubelet kills a silo before it has left membership" $given (add $grace 15)) }}
{{- end }}
{{- $given }}
{{- end }}
{{- end }}

{{/* Seconds as a .NET TimeSpan string (hh:mm:ss). */}}
{{- define "orrery.timespan" -}}
{{- $s := int . }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) }}
{{- end }}

{{/* The Secrets holding the certificates of mutual TLS: the silos' and the clients' (ca.crt, tls.crt, tls.key). */}}
{{- define "orrery.tlsSiloSecretName" -}}
{{- default (printf "%s-tls-silo" (include "orrery.fullname" .)) .Values.tls.existingSecret }}
{{- end }}
{{- define "orrery.tlsClientSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- default .Values.tls.existingSecret .Values.tls.existingClientSecret }}
{{- else }}
{{- default (printf "%s-tls-client" (include "orrery.fullname" .)) .Values.tls.existingClientSecret }}
{{- end }}
{{- end }}
{{- define "orrery.tlsAuthoritySecretName" -}}
{{- printf "%s-tls-ca" (include "orrery.fullname" .) }}
{{- end }}
{{- define "orrery.generatesTls" -}}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}true{{ end }}
{{- end }}

{{/* Where a container finds the certificate files of mutual TLS, and the settings that name them. */}}
{{- define "orrery.tlsMountPath" -}}/etc/orrery/tls{{- end }}
{{- define "orrery.tlsEnv" -}}
- name: ORRERY_OrleansSilo__TlsCertificate
  value: {{ include "orrery.tlsMountPath" . }}/tls.crt
- name: ORRERY_OrleansSilo__TlsKey
  value: {{ include "orrery.tlsMountPath" . }}/tls.key
- name: ORRERY_OrleansSilo__TlsAuthority
  value: {{ include "orrery.tlsMountPath" . }}/ca.crt
{{- end }}

{{/*
checksum/secret of the pod templates: a hash of what decides the Secrets' contents (which Secrets, which
keys, generated or not), never of the generated values themselves. A hash of the rendered Secret would
change between the install (nothing to look up: fresh random values in that rendering) and the first
upgrade (the stored values looked up), and restart every pod on an upgrade with unchanged values.
Generated values never change after the install; replacing an existing Secret's content needs a
`kubectl rollout restart` (helm/README.md).
*/}}
{{- define "orrery.secretChecksum" -}}
{{- list .Values.cluster.secret .Values.redis.enabled .Values.redis.auth .Values.redis.external .Values.tls.enabled .Values.tls.existingSecret .Values.tls.existingClientSecret | toJson | sha256sum }}
{{- end }}

{{/*
Resource requirements with every quantity a string ("2", "500m", "4Gi"): server-side apply refuses a
number where the API has a quantity (nvidia.com/gpu: 2). Call with a resources dict.
*/}}
{{- define "orrery.resources" -}}
{{- $out := dict }}
{{- range $section, $quantities := . }}
{{- $strings := dict }}
{{- range $name, $quantity := $quantities }}
{{- $_ := set $strings $name (toString $quantity) }}
{{- end }}
{{- $_ := set $out $section $strings }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* The silos' Orleans service id: OrleansSilo:ServiceId from silo.config, else the silo's default, orrery. */}}
{{- define "orrery.serviceId" -}}
{{- $id := "orrery" }}
{{- range $key, $value := .Values.silo.config }}
{{- if eq (lower $key) "orleanssilo:serviceid" }}{{ $id = toString $value }}{{ end }}
{{- end }}
{{- $id }}
{{- end }}
