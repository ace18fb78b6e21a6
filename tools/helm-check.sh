#!/usr/bin/env bash
# Validates the Helm chart (npm run helm:check; CI runs it before npm test):
#   helm lint --strict, helm template with the default values and values-production.yaml, and every rendered
#   manifest checked by kubeconform -strict against the Kubernetes JSON schemas of the oldest and newest
#   Kubernetes versions we support — plus the chart's values.schema.json proven to refuse bad values.
# Offline after the first run: helm and kubeconform are built from the Go module proxy (`go install`,
# pinned) into .cache/tools/bin, and the Kubernetes JSON schemas come from the PyPI package
# kubernetes-validate (which vendors them) into .cache/tools/k8s-schemas. See docs/helm.md.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
# Client libraries of helm v3.22 are Kubernetes 1.37 (go.mod k8s.io/client-go v0.37).
HELM_K8S_MINOR=37
SCHEMA_PACKAGE=kubernetes-validate
SCHEMA_PACKAGE_VERSION=1.37.0
# Oldest supported (Chart.yaml kubeVersion) and newest schemas of the package.
KUBE_VERSIONS=(${HELM_CHECK_KUBE_VERSIONS:-1.29.0 1.37.0})

chart=helm/deltastream
tools=.cache/tools
bin=$tools/bin
schemas=$tools/k8s-schemas/$SCHEMA_PACKAGE-$SCHEMA_PACKAGE_VERSION
out=.cache/helm-check
mkdir -p "$bin" "$out"

say() { echo "helm-check: $*"; }
die() { echo "helm-check: $*" >&2; exit 1; }
seconds() { echo $(( $(date +%s) - $1 )); }

go_cmd=$(command -v go || true)
[ -n "$go_cmd" ] || [ ! -x /usr/local/go/bin/go ] || go_cmd=/usr/local/go/bin/go

# go install <module>@<version> into .cache/tools/bin, once per pinned version. The Go module and build
# caches (~/go/pkg/mod, ~/.cache/go-build) make a rebuild in a fresh clone on the same machine take seconds.
install_tool() {
  local name=$1 version=$2 package=$3 ldflags=$4
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.version" 2>/dev/null)" = "$version" ]; then return; fi
  [ -n "$go_cmd" ] || die "$name $version is built with Go, which is missing: install Go >= 1.26 (https://go.dev/doc/install, or Debian's golang-go when recent enough)"
  say "building $name $version with $("$go_cmd" env GOVERSION) (once; cached in $bin)"
  local t0; t0=$(date +%s)
  CGO_ENABLED=0 GOBIN="$PWD/$bin" GOFLAGS=-mod=mod "$go_cmd" install -trimpath -ldflags "-s -w $ldflags" "$package@$version"
  echo "$version" > "$bin/.$name.version"
  say "built $name in $(seconds "$t0") s"
}

install_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
  "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
   -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR \
   -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR"
install_tool kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform "-X main.version=$KUBECONFORM_VERSION"
kubeconform=$bin/kubeconform
# helm, without its note that the chart's files/alerts.yml is a link (to deploy/prometheus/alerts.yml).
helm_bin=$bin/helm
helm() { "$helm_bin" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }
helm=helm

# The Kubernetes JSON schemas, from the kubernetes-validate wheel on PyPI (it vendors them per Kubernetes
# version). Its "-local-strict" schemas reference their shared definitions as /api/_definitions.json under
# a https://kubernetes.io $id; rewritten here to a relative file reference so nothing is ever fetched.
fetch_schemas() {
  local wanted=() version
  for version in "${KUBE_VERSIONS[@]}"; do
    [ -f "$schemas/v$version-standalone-strict/_definitions.json" ] || wanted+=("$version")
  done
  [ ${#wanted[@]} -gt 0 ] || return 0
  command -v python3 >/dev/null 2>&1 || die "python3 with pip is needed once to fetch the Kubernetes schemas (Debian: apt-get install python3-pip)"
  local wheels=$tools/pip t0
  t0=$(date +%s)
  mkdir -p "$wheels"
  if ! ls "$wheels"/kubernetes_validate-"$SCHEMA_PACKAGE_VERSION"-*.whl >/dev/null 2>&1; then
    say "fetching $SCHEMA_PACKAGE==$SCHEMA_PACKAGE_VERSION from PyPI (Kubernetes JSON schemas; once)"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      "$SCHEMA_PACKAGE==$SCHEMA_PACKAGE_VERSION" -d "$wheels" \
      || die "pip could not download $SCHEMA_PACKAGE==$SCHEMA_PACKAGE_VERSION (python3 -m pip missing? Debian: apt-get install python3-pip)"
  fi
  python3 - "$wheels"/kubernetes_validate-"$SCHEMA_PACKAGE_VERSION"-*.whl "$schemas" "${wanted[@]}" <<'PY'
import json, os, sys, zipfile
wheel, target, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    for version in versions:
        prefix = f'kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/'
        members = [n for n in names if n.startswith(prefix) and n.endswith('.json')]
        if not members:
            sys.exit(f'helm-check: {os.path.basename(wheel)} has no schemas for Kubernetes {version}')
        folder = os.path.join(target, f'v{version}-standalone-strict')
        staging = folder + '.partial'
        os.makedirs(staging, exist_ok=True)
        for name in members:
            schema = json.loads(z.read(name))
            schema.pop('$id', None)
            text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
            with open(os.path.join(staging, name[len(prefix):]), 'w') as f:
                f.write(text)
        os.replace(staging, folder)
        print(f'helm-check: Kubernetes {version} schemas: {len(members)} files in {folder}')
PY
  say "schemas ready in $(seconds "$t0") s"
}
fetch_schemas

failures=0
check() {
  local title=$1; shift
  local t0; t0=$(date +%s)
  if "$@"; then say "ok   $title ($(seconds "$t0") s)"; else say "FAIL $title"; failures=$((failures + 1)); fi
}

# A values file and the extra flags each case renders with.
cases=(default production)
values_args() {
  case $1 in
    default) ;;
    production) echo "-f $chart/values-production.yaml" ;;
  esac
}

render() { # <case> <kubernetes version> <output file>
  # shellcheck disable=SC2046
  "$helm" template deltastream "$chart" --namespace deltastream --kube-version "$2" $(values_args "$1") > "$3"
}

for case_name in "${cases[@]}"; do
  # shellcheck disable=SC2046
  check "helm lint --strict ($case_name values)" \
    "$helm" lint --strict --quiet --kube-version "${KUBE_VERSIONS[0]}" "$chart" $(values_args "$case_name")
  for version in "${KUBE_VERSIONS[@]}"; do
    rendered=$out/$case_name-$version.yaml
    check "helm template ($case_name values, Kubernetes $version)" render "$case_name" "$version" "$rendered"
    check "kubeconform -strict ($case_name values, Kubernetes $version)" \
      "$kubeconform" -strict -summary -kubernetes-version "$version" \
      -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      -schema-location "helm/crd-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      "$rendered"
  done
done

# values.schema.json must refuse what would otherwise only fail inside a pod (or never): a misspelt key, a
# broker list that is not host:port, SASL without its Secret, KEDA on a service without a consumer group.
refuses() {
  local why=$1; shift
  if "$helm" template deltastream "$chart" --kube-version "${KUBE_VERSIONS[0]}" "$@" >/dev/null 2>&1; then
    echo "helm-check: the chart accepted $why ($*)" >&2
    return 1
  fi
}
schema_refusals() {
  refuses "a misspelt key" --set services.windower.replica=3 &&
    refuses "a broker without a port" --set kafka.brokers=kafka &&
    refuses "SASL without a Secret" --set kafka.sasl.enabled=true &&
    refuses "an unknown log level" --set logLevel=verbose &&
    refuses "KEDA on the edge" --set-json 'services.delivery-edge.keda={"enabled":true}' &&
    refuses "an unknown service" --set-json 'services.cache={"enabled":true}' &&
    refuses "a suite file of another version" --set suite.config.version=2
}
check "values.schema.json refuses bad values (7 cases)" schema_refusals

say "helm $HELM_VERSION, kubeconform $KUBECONFORM_VERSION, schemas $SCHEMA_PACKAGE $SCHEMA_PACKAGE_VERSION (Kubernetes ${KUBE_VERSIONS[*]}); rendered manifests in $out/"
if [ "$failures" -ne 0 ]; then
  say "$failures check(s) FAILED ($(seconds "$started") s)"
  exit 1
fi
say "all checks ok ($(seconds "$started") s)"
