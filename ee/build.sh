#!/usr/bin/env bash
# Build the osops.lifecycle execution environment (EE) with podman, from no
# container registry (docs/execution-environment.md), in three cached stages:
#
#   1. localhost/osops-ee-base:bookworm   debootstrap --variant=minbase + podman import;
#        skipped when the image exists with the same recipe hash (label osops.ee.recipe)
#   2. localhost/osops-ee-deps:<key>      ansible-builder v3 (ee/execution-environment.yml): ansible-core,
#        ansible-runner and the requirements.txt / bindep.txt that meta/execution-environment.yml names;
#        key = hash(base image, definition, those files, ansible-builder's version); skipped when present
#   3. localhost/osops-ee:<key>           the collection's tarball installed on top (ee/Containerfile);
#        key = hash(deps image, the tarball's MANIFEST.json, the Containerfile); also tagged :latest
#
# A second run with nothing changed builds nothing; a change of the collection alone rebuilds only
# stage 3 (seconds). Needs root (rootful podman, debootstrap) and, the first time, podman, runc and
# debootstrap (make setup installs them). Prints the image built.
#
# The images live with the lab's caches (~/.cache/osops-lab/ee, OSOPS_EE_CACHE moves them): podman's
# storage there (CONTAINERS_STORAGE_CONF, written below) and debootstrap's .deb cache.
#
#   EE_TAG=latest   the final image's second tag;  EE_VERIFY=0  no smoke test of the final image
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COLLECTION_DIR="$(dirname "$HERE")"
WORK="$COLLECTION_DIR/.cache/ee"
CACHE="${OSOPS_EE_CACHE:-${OSOPS_LAB_CACHE:-$HOME/.cache/osops-lab}/ee}"
EE_TAG="${EE_TAG:-latest}"
BUILDER="$COLLECTION_DIR/.venv-importer/bin/ansible-builder"  # galaxy-importer's, as build-check uses it

# podman's storage beside the other caches (every podman run below, and ansible-builder's, read it)
mkdir -p "$CACHE/storage" "$WORK"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "/run/osops-ee"\n' "$CACHE/storage" >"$WORK/storage.conf"
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# openssh-client: the playbooks reach the cloud's hosts over SSH
BASE_PACKAGES=python3,python3-pip,python3-venv,ca-certificates,openssh-client
BASE_IMAGE=localhost/osops-ee-base:bookworm
DEPS_REPO=localhost/osops-ee-deps
EE_REPO=localhost/osops-ee
for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing: make setup (apt-get install podman runc debootstrap)" >&2; exit 1; }
done
[ -x "$BUILDER" ] || { echo "build.sh: $BUILDER is missing: make setup" >&2; exit 1; }

# This machine: no CAP_SYS_RESOURCE, so podman's default rlimits (nofile 1048576)
# make runc fail ("error setting rlimit type 7/6: operation not permitted");
# --ulimit host fails too. Set both limits explicitly, at most the hard limits we have
# (podman caps its own nproc at 32768). --network host: builds reach PyPI through the host.
nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=1048576
nproc="$(ulimit -Hu)"; { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
PODMAN_COMMON=(--network host --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
# The host's CA bundle, for pip inside the build (TLS to PyPI may be intercepted by a
# proxy CA that only the host trusts). Bind-mounted at build time only: not in the image.
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
BUILD_EXTRA=(--pull=never)
[ -f "$CA_BUNDLE" ] && BUILD_EXTRA+=(-v "$CA_BUNDLE:$CA_BUNDLE:ro")

LOGS="$WORK/logs"
mkdir -p "$LOGS"

log() { printf '[ee/build.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
sha() { sha256sum | cut -c1-16; }
t0=$SECONDS
stage_start() { _ts=$SECONDS; }
stage_end() { log "$1: $((SECONDS - _ts)) s"; }

[ "$(id -u)" -eq 0 ] || { echo "build.sh: run as root (rootful podman, debootstrap)" >&2; exit 1; }

# ------------------------------------------------------------------ 1. base image
build_base() {
    local rootfs="$WORK/rootfs"
    rm -rf "$rootfs"
    mkdir -p "$CACHE/debootstrap"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" --cache-dir="$CACHE/debootstrap" \
        "$SUITE" "$rootfs" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1 \
        || { tail -20 "$LOGS/debootstrap.log" >&2; return 1; }
    install -m 755 "$HERE/base/ee-pkgmgr" "$rootfs/usr/local/bin/ee-pkgmgr"
    install -m 644 "$HERE/base/dpkg-nodoc" "$rootfs/etc/dpkg/dpkg.cfg.d/01-ee-nodoc"
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
    # Trim: apt lists and .debs (ee-pkgmgr runs apt-get update itself), docs, man
    # pages, translations, logs; the host's resolv.conf/hostname (podman provides its own).
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
        "$rootfs"/tmp/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
    find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    : >"$rootfs/etc/resolv.conf"; : >"$rootfs/etc/hostname"
    tar --numeric-owner --xattrs -C "$rootfs" -c . | podman import --quiet \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "LABEL osops.ee.recipe=$1" \
        --change 'CMD ["/bin/bash"]' \
        - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}
base_recipe="$( { declare -f build_base; echo "$SUITE $MIRROR $BASE_PACKAGES"; cat "$HERE/base/ee-pkgmgr" "$HERE/base/dpkg-nodoc"; } | sha)"
have_recipe="$(podman image inspect --format '{{ index .Config.Labels "osops.ee.recipe" }}' "$BASE_IMAGE" 2>/dev/null || true)"
if [ "$have_recipe" = "$base_recipe" ]; then
    log "base: $BASE_IMAGE present (recipe $base_recipe)"
else
    stage_start
    log "base: debootstrap $SUITE ($BASE_PACKAGES) -> $BASE_IMAGE"
    build_base "$base_recipe"
    stage_end "base image"
fi
base_id="$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")"

# ------------------------------------------------------------------ 2. deps image
# The Python/system requirement files the collection declares for ansible-builder.
read -r py_req sys_req < <("$COLLECTION_DIR/.venv-importer/bin/python" - "$COLLECTION_DIR/meta/execution-environment.yml" <<'EOF'
import sys, yaml
deps = (yaml.safe_load(open(sys.argv[1])) or {}).get('dependencies', {})
print(deps.get('python', 'requirements.txt'), deps.get('system', 'bindep.txt'))
EOF
)
deps_ctx="$WORK/deps"
rm -rf "$deps_ctx"; mkdir -p "$deps_ctx"
cp "$HERE/execution-environment.yml" "$deps_ctx/"
cp "$COLLECTION_DIR/$py_req" "$deps_ctx/requirements.txt"
cp "$COLLECTION_DIR/$sys_req" "$deps_ctx/bindep.txt"
deps_key="$( { echo "$base_id $("$BUILDER" --version)"; cat "$deps_ctx/execution-environment.yml" "$deps_ctx/requirements.txt" "$deps_ctx/bindep.txt"; } | sha)"
DEPS_IMAGE="$DEPS_REPO:$deps_key"
if podman image exists "$DEPS_IMAGE"; then
    log "deps: $DEPS_IMAGE present"
else
    stage_start
    log "deps: ansible-builder build -> $DEPS_IMAGE (log: $LOGS/deps-build.log)"
    (cd "$deps_ctx" && "$BUILDER" build \
        --file execution-environment.yml --context context \
        --container-runtime podman --tag "$DEPS_IMAGE" --tag "$DEPS_REPO:latest" \
        --extra-build-cli-args "${PODMAN_COMMON[*]} ${BUILD_EXTRA[*]}" \
        --verbosity 3) >"$LOGS/deps-build.log" 2>&1 \
        || { tail -40 "$LOGS/deps-build.log" >&2; exit 1; }
    stage_end "deps image"
fi
podman tag "$DEPS_IMAGE" "$DEPS_REPO:latest"
deps_id="$(podman image inspect --format '{{.Id}}' "$DEPS_IMAGE")"

# ------------------------------------------------------------------ 3. collection layer
stage_start
dist="$WORK/dist"
rm -rf "$dist"; mkdir -p "$dist"
"$COLLECTION_DIR/.venv/bin/ansible-galaxy" collection build "$COLLECTION_DIR" --output-path "$dist" >"$LOGS/galaxy-build.log"
tarball="$(ls "$dist"/*.tar.gz)"
stage_end "collection tarball"
# The tarball's bytes change on every build (gzip/tar timestamps); its MANIFEST.json
# (which carries FILES.json's checksum, i.e. every file's sha256) does not.
col_key="$( { echo "$deps_id"; tar -xzOf "$tarball" MANIFEST.json; cat "$HERE/Containerfile"; } | sha)"
EE_IMAGE="$EE_REPO:$col_key"
if podman image exists "$EE_IMAGE"; then
    log "ee: $EE_IMAGE present"
else
    stage_start
    cp "$HERE/Containerfile" "$dist/Containerfile"
    log "ee: podman build -> $EE_IMAGE (log: $LOGS/ee-build.log)"
    podman build "${PODMAN_COMMON[@]}" --pull=never -f "$dist/Containerfile" \
        --build-arg "DEPS_IMAGE=$DEPS_IMAGE" \
        --build-arg "COLLECTION_TARBALL=$(basename "$tarball")" \
        --build-arg "COLLECTION_KEY=$col_key" \
        -t "$EE_IMAGE" "$dist" >"$LOGS/ee-build.log" 2>&1 \
        || { tail -40 "$LOGS/ee-build.log" >&2; exit 1; }
    stage_end "ee image"
fi
podman tag "$EE_IMAGE" "$EE_REPO:$EE_TAG"
# Drop the collection images of earlier keys (a 3-4 MB layer each, rebuilt in seconds);
# deps images are kept unless EE_PRUNE_DEPS=1 (they take a minute to rebuild).
prune_tags() {  # repo keep-tag
    podman images --format '{{.Repository}}:{{.Tag}}' "$1" | while read -r ref; do
        if [[ "${ref##*:}" =~ ^[0-9a-f]{16}$ ]] && [ "${ref##*:}" != "$2" ]; then
            podman rmi "$ref" >/dev/null || true
        fi
    done
}
prune_tags "$EE_REPO" "$col_key"
[ "${EE_PRUNE_DEPS:-0}" = 1 ] && prune_tags "$DEPS_REPO" "$deps_key"

# ------------------------------------------------------------------ smoke test
if [ "${EE_VERIFY:-1}" != 0 ]; then
    stage_start
    out="$(podman run --rm "${PODMAN_COMMON[@]}" "$EE_IMAGE" \
        bash -c 'ansible-galaxy collection list osops.lifecycle 2>/dev/null | grep -q "^osops.lifecycle " \
                 && python3 -c "import openstack, sqlalchemy, alembic, prettytable, psycopg, pymysql" \
                 && ansible-runner --version')" \
        || { echo "build.sh: smoke test of $EE_IMAGE failed" >&2; exit 1; }
    stage_end "smoke test (ansible-runner $out)"
fi
log "done in $((SECONDS - t0)) s: $EE_REPO:$EE_TAG = $EE_IMAGE (deps $DEPS_IMAGE, base $BASE_IMAGE)"
echo "$EE_IMAGE"
