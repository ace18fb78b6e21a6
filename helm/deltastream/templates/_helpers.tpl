{{/*
What each service is, fixed by the code (not a value): its HTTP port, what it connects to, and for the
three consumer stages the topic its consumer group reads (the KEDA lag trigger).
*/}}
{{- define "deltastream.catalog" -}}
ingestor: { port: 8081, kafka: true, redis: true, suite: true }
windower: { port: 8082, kafka: true, redis: false, suite: true, consumes: events }
enricher: { port: 8083, kafka: true, redis: true, suite: true, consumes: windows }
compressor: { port: 8084, kafka: true, redis: false, suite: true, consumes: encoded }
delivery-edge: { port: 8080, kafka: true, redis: true, suite: false }
demo-source: { port: 8090, kafka: false, redis: false, suite: false }
{{- end }}

{{- define "deltastream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "deltastream.fullname" -}}
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

{{/* <fullname>-<service>, the name of every object of one service. Context: dict root name. */}}
{{- define "deltastream.componentName" -}}
{{- printf "%s-%s" (include "deltastream.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "deltastream.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "deltastream.labels" -}}
helm.sh/chart: {{ include "deltastream.chart" . }}
app.kubernetes.io/name: {{ include "deltastream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: deltastream
{{- end }}

{{/* Context: dict root name. */}}
{{- define "deltastream.componentLabels" -}}
{{ include "deltastream.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Context: dict root name. Immutable: never add to it (Deployment selectors cannot change). */}}
{{- define "deltastream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "deltastream.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "deltastream.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}
{{- end }}

{{- define "deltastream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "deltastream.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "deltastream.suiteConfigMap" -}}
{{- default (printf "%s-suite" (include "deltastream.fullname" .)) .Values.suite.existingConfigMap }}
{{- end }}

{{/* The suite file as rendered YAML (templates in its strings expanded). */}}
{{- define "deltastream.suiteYaml" -}}
{{- if .Values.suite.file }}
{{- tpl .Values.suite.file . }}
{{- else }}
{{- tpl (toYaml .Values.suite.config) . }}
{{- end }}
{{- end }}

{{/* Topic name for a catalogue key (events, windows, encoded, frames). Context: dict root topic. */}}
{{- define "deltastream.topic" -}}
{{- printf "%s.%s.v1" .root.Values.topicNamespace .topic }}
{{- end }}

{{/*
Kafka connection environment: brokers, topic settings, TLS and SASL. The TLS/SASL variables are the
contract the services read (see docs/helm.md, "Kafka TLS and SASL"). Context: dict root saslSecret.
*/}}
{{- define "deltastream.kafkaEnv" -}}
{{- $v := .root.Values }}
- name: KAFKA_BROKERS
  value: {{ $v.kafka.brokers | quote }}
- name: TOPIC_NAMESPACE
  value: {{ $v.topicNamespace | quote }}
- name: TOPIC_PARTITIONS
  value: {{ $v.topicPartitions | quote }}
- name: FRAMES_RETENTION_MS
  value: {{ $v.framesRetentionMs | int64 | quote }}
{{- if $v.kafka.tls.enabled }}
- name: KAFKA_SSL
  value: "true"
{{- if $v.caBundle.secret }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/deltastream/tls/ca/{{ $v.caBundle.key }}
{{- end }}
{{- if $v.kafka.tls.clientCertSecret }}
- name: KAFKA_SSL_CERT_FILE
  value: /etc/deltastream/tls/kafka-client/{{ $v.kafka.tls.clientCertKey }}
- name: KAFKA_SSL_KEY_FILE
  value: /etc/deltastream/tls/kafka-client/{{ $v.kafka.tls.clientKeyKey }}
{{- end }}
{{- end }}
{{- if $v.kafka.sasl.enabled }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef: { name: {{ .saslSecret | quote }}, key: {{ $v.kafka.sasl.usernameKey | quote }} }
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ .saslSecret | quote }}, key: {{ $v.kafka.sasl.passwordKey | quote }} }
{{- end }}
{{- end }}

{{/* Node's extra trust anchors: the private CAs of Kafka and Redis, read by every TLS connection. */}}
{{- define "deltastream.caEnv" -}}
{{- if .Values.caBundle.secret }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/deltastream/tls/ca/{{ .Values.caBundle.key }}
{{- end }}
{{- end }}

{{/* Volumes for the TLS material. */}}
{{- define "deltastream.tlsVolumes" -}}
{{- $v := .Values }}
{{- if $v.caBundle.secret }}
- name: ca-bundle
  secret: { secretName: {{ $v.caBundle.secret | quote }}, defaultMode: 0444 }
{{- end }}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.clientCertSecret }}
- name: kafka-client
  secret: { secretName: {{ $v.kafka.tls.clientCertSecret | quote }}, defaultMode: 0440 }
{{- end }}
{{- end }}

{{- define "deltastream.tlsMounts" -}}
{{- $v := .Values }}
{{- if $v.caBundle.secret }}
- { name: ca-bundle, mountPath: /etc/deltastream/tls/ca, readOnly: true }
{{- end }}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.clientCertSecret }}
- { name: kafka-client, mountPath: /etc/deltastream/tls/kafka-client, readOnly: true }
{{- end }}
{{- end }}

{{/* KEDA's name for a SASL mechanism. */}}
{{- define "deltastream.kedaSasl" -}}
{{- $m := . -}}
{{- if eq $m "plain" }}plaintext{{ else if eq $m "scram-sha-256" }}scram_sha256{{ else }}scram_sha512{{ end }}
{{- end }}
