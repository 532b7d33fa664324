#!/usr/bin/env bash
# Container smoke test: builds the image, runs it with no network, asks it questions through the
# web app's API, adds a documents folder, restarts, asks again, and cleans up.
#
#   scripts/container_smoke.sh        (from anywhere; about 10 minutes the first time)
#
# Exits 0 when every check passed, 77 when no container engine can run containers here (it says
# why), and 1 otherwise. Environment:
#   CONTAINER_ENGINE   podman or docker (default: the first of them that can run a container)
#   TORCH_INDEX_URL    index holding torch==$TORCH_VERSION+cpu for the build (default: a local
#                      copy of that wheel found in pip's find-links folders, served for the build
#                      on 127.0.0.1; else the Dockerfile's public default)
#   SMOKE_IMAGE        image tag to build (default localhost/ask-your-documents:smoke)
#   SMOKE_CONTEXT      build context (default: this repository)
#   SMOKE_WAIT_S       how long to wait for the app to become healthy (default 600)
# On this project's machines, prepare podman first:
#   bash ../shared/tools/container-setup.sh && export CONTAINERS_CONF=/tmp/container-setup/containers.conf
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
context=${SMOKE_CONTEXT:-$(cd "$here/.." && pwd)}
image=${SMOKE_IMAGE:-localhost/ask-your-documents:smoke}
wait_s=${SMOKE_WAIT_S:-600}
torch_version=${TORCH_VERSION:-2.13.0}
base_image=docker.io/library/python:3.11-slim
run_id="qa-smoke-$$"
probe="$here/container_probe.py"

log() { printf '[container-smoke %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
skip() { log "SKIPPED: $*"; exit 77; }
fail() { log "FAILED: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Which engine. A podman that cannot start containers (crun on this machine, or missing limits)
# counts as none, with the reason shown.
engine_works() {
    local engine=$1 out
    if ! command -v "$engine" >/dev/null 2>&1; then
        why+="; $engine is not installed"
        return 1
    fi
    if ! "$engine" info >/dev/null 2>&1; then
        why+="; '$engine info' fails"
        return 1
    fi
    if "$engine" image inspect "$base_image" >/dev/null 2>&1 \
        && ! out=$("$engine" run --rm --network none "$base_image" true 2>&1); then
        why+="; $engine cannot start a container: ${out##*$'\n'}"
        return 1
    fi
}

why=""
engine=""
for candidate in ${CONTAINER_ENGINE:-podman docker}; do
    if engine_works "$candidate"; then
        engine=$candidate
        break
    fi
done
if [ -z "$engine" ]; then
    skip "no usable container engine (${why#; }). On this project's machines: bash ../shared/tools/container-setup.sh, then export CONTAINERS_CONF=/tmp/container-setup/containers.conf"
fi
log "engine: $("$engine" --version)"

work=$(mktemp -d "${TMPDIR:-/tmp}/qa-smoke.XXXXXX")
server_pid=""
containers=()
volume="$run_id-index"

cleanup() {
    local status=$?
    for container in "${containers[@]}"; do
        # -v: also the anonymous volumes made for the image's VOLUMEs that were not mounted
        "$engine" rm -f -v "$container" >/dev/null 2>&1 || true
    done
    "$engine" volume rm -f "$volume" >/dev/null 2>&1 || true
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Build. Where the public CPU wheel index is not reachable but pip here knows a local copy of the
# CPU wheel (find-links), serve that one file as a package index on 127.0.0.1 for the build.
local_torch_wheel() {
    local folders folder wheel
    folders="${PIP_FIND_LINKS:-} $(python3 -m pip config list 2>/dev/null | sed -n "s/^[^=]*find-links='\(.*\)'$/\1/p")"
    for folder in $folders; do
        folder=${folder#file://}
        for wheel in "$folder"/torch-"$torch_version"+cpu-cp311-cp311-*"$(uname -m)".whl; do
            if [ -f "$wheel" ]; then
                echo "$wheel"
                return 0
            fi
        done
    done
    return 1
}

build_args=()
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    build_args+=(--build-arg "TORCH_INDEX_URL=$TORCH_INDEX_URL")
elif wheel=$(local_torch_wheel); then
    mkdir -p "$work/index/torch"
    name=$(basename "$wheel")
    ln -s "$wheel" "$work/index/torch/$name"
    sha=$(sha256sum "$wheel" | cut -d' ' -f1)
    printf '<!DOCTYPE html><html><body><a href="%s#sha256=%s">%s</a></body></html>\n' \
        "${name//+/%2B}" "$sha" "$name" >"$work/index/torch/index.html"
    # The index address is a build argument, so it is part of the layer cache key: keep the
    # same port from run to run where it is free.
    port=$(python3 - "${SMOKE_INDEX_PORT:-47860}" <<'PY'
import socket, sys
with socket.socket() as s:
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
)
    python3 -m http.server --bind 127.0.0.1 --directory "$work/index" "$port" >"$work/http.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/torch/', timeout=1)" 2>/dev/null && break
        sleep 0.2
    done
    # The build must reach 127.0.0.1 of this machine, hence the host network for the build only.
    build_args+=(--network host --build-arg "TORCH_INDEX_URL=http://127.0.0.1:$port/")
    log "torch: local wheel $wheel, served on 127.0.0.1:$port for the build"
else
    log "torch: from the Dockerfile's default index (needs internet at build time)"
fi
if [ "$engine" = podman ]; then
    build_args+=(--format docker)  # podman's own OCI format would drop HEALTHCHECK
fi

old_image=$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
log "building $image from $context (log: $work/build.log)"
build_start=$(date +%s)
if ! "$engine" build "${build_args[@]}" -t "$image" -f "$context/Dockerfile" "$context" >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"
    fail "the image did not build"
fi
build_s=$(( $(date +%s) - build_start ))
new_image=$("$engine" image inspect --format '{{.Id}}' "$image")
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then
    "$engine" rmi "$old_image" >/dev/null 2>&1 || true  # the previous smoke build, now untagged
fi
size_bytes=$("$engine" image inspect --format '{{.Size}}' "$image")
log "built in ${build_s}s; image size $(( size_bytes / 1000000 )) MB ($size_bytes bytes)"

user=$("$engine" image inspect --format '{{.Config.User}}' "$image")
case "$user" in
    "" | root | 0 | 0:*) fail "the image runs as root (User=${user:-unset})" ;;
esac
healthcheck=$("$engine" image inspect --format '{{json .Config.Healthcheck}}' "$image")
case "$healthcheck" in
    *python3*) ;;
    *) fail "the image has no HEALTHCHECK ($healthcheck)" ;;
esac

# ---------------------------------------------------------------------------------------------
# Helpers for a running container.
is_healthy() {
    if [ "$engine" = podman ]; then
        podman healthcheck run "$1" >/dev/null 2>&1
    else
        [ "$(docker inspect --format '{{.State.Health.Status}}' "$1")" = healthy ]
    fi
}

wait_healthy() {
    local container=$1 start
    start=$(date +%s)
    until is_healthy "$container"; do
        if [ "$("$engine" inspect --format '{{.State.Running}}' "$container")" != true ]; then
            "$engine" logs "$container" 2>&1 | tail -n 40
            fail "$container stopped before it became healthy"
        fi
        if (( $(date +%s) - start > wait_s )); then
            "$engine" logs "$container" 2>&1 | tail -n 40
            fail "$container not healthy after ${wait_s}s"
        fi
        sleep 2
    done
    ready_s=$(( $(date +%s) - start ))
}

probe() {
    local container=$1
    shift
    "$engine" exec -i "$container" python3 - "$@" <"$probe" || {
        "$engine" logs "$container" 2>&1 | tail -n 40
        fail "check '$1' in $container"
    }
}

# Stops a container the way `docker stop` does; the app must exit on the stop signal by itself
# rather than be killed when the grace period ends.
stop() {
    local container=$1 start code
    start=$(date +%s)
    "$engine" stop -t 30 "$container" >/dev/null 2>>"$work/engine.log"
    code=$("$engine" inspect --format '{{.State.ExitCode}}' "$container")
    "$engine" rm -v "$container" >/dev/null 2>>"$work/engine.log"
    if [ "$code" = 137 ]; then
        fail "$container ignored the stop signal and was killed"
    fi
    log "$container stopped in $(( $(date +%s) - start ))s (exit code $code)"
}

larijani_q="What did Larijani say?"
larijani_a="That discussion on Wednesday was positive"
ferry_q="When will the ferry resume daily crossings?"
ferry_a="3 April"

# ---------------------------------------------------------------------------------------------
# 1. The image as shipped, no network: the seeds' index is there, the first question answers.
# The engine's own messages (podman without systemd warns about health-check timers at every
# start and stop) go to engine.log rather than the test output.
"$engine" volume create "$volume" >/dev/null
first="$run_id-first"
containers+=("$first")
"$engine" run -d --name "$first" --network none -v "$volume:/data/index" "$image" \
    >/dev/null 2>>"$work/engine.log"
log "started $first with --network none; waiting for the health check"
wait_healthy "$first"
log "healthy after ${ready_s}s"
probe "$first" page
probe "$first" ask "$larijani_q" "$larijani_a" "/seeds/000_0c4851bab53c4404.txt"
probe "$first" abstains "$ferry_q"
if "$engine" logs "$first" 2>&1 | grep -q "indexed "; then
    fail "$first indexed at start, though the image ships the index"
fi
stop "$first"

# ---------------------------------------------------------------------------------------------
# 2. A documents folder with a new article, the same index volume, a restart: the article is
# indexed at start and answers the question the seeds could not.
mkdir -m 755 "$work/documents"
cat >"$work/documents/harbour_ferry.txt" <<'ARTICLE'
Island ferry service returns after winter repairs
The ferry between Kestrel Harbour and the island of Marrow Holm will resume daily crossings on 3 April, the harbour authority said on Monday.
The vessel, the Saint Brendan, spent the winter in dry dock at Port Alder, where engineers replaced both propeller shafts.
Harbour master Ottilie Brand said the crossing would take forty minutes, ten minutes less than before the repairs.
Tickets will cost 6 euros for adults, and children under twelve will travel free.
ARTICLE
chmod 644 "$work/documents/harbour_ferry.txt"
second="$run_id-second"
containers+=("$second")
"$engine" run -d --name "$second" --network none -v "$volume:/data/index" \
    -v "$work/documents:/data/documents:ro" "$image" >/dev/null 2>>"$work/engine.log"
log "restarted as $second with a documents folder; waiting for the health check"
wait_healthy "$second"
log "healthy after ${ready_s}s"
"$engine" logs "$second" 2>&1 | grep "indexed 1 new" \
    || fail "$second did not index the new article at start"
probe "$second" ask "$ferry_q" "$ferry_a" "/data/documents/harbour_ferry.txt"
probe "$second" ask "$larijani_q" "$larijani_a" "/seeds/000_0c4851bab53c4404.txt"
stop "$second"

log "PASSED: image $image, $(( size_bytes / 1000000 )) MB, built in ${build_s}s"
