#!/usr/bin/env bash
# Run the Docker phase against real containers: an example's test stack, and its tests.
#
#   scripts/run_docker_tests.sh [--example NAME] [--build] [--keep-up] [--filter EXPR] [-- PYTEST ARGS...]
#
#   --example NAME the example whose stack is tested (default: pokemon). pokemon runs
#                  tests/docker and the Docker pipeline test; any other runs its own
#                  examples/NAME/tests/docker against its stack (docker_stack.example_stack)
#   --build        rebuild every image of the stack (Docker's layer cache still applies)
#   --keep-up      leave the stack running afterwards, in dev mode (docker-compose.dev.yml:
#                  the project mounted, the API and flows restarted on change), on the
#                  example's own ports when they are free (so the design document's curl
#                  commands work as written); the next run reuses it
#   --filter EXPR  only the tests matching EXPR (pytest -k)
#
# Images are built offline (local stand-ins, see pulpo/stack/offline.py) when no container
# registry is reachable, or when PULPO_OFFLINE=1. When a test fails, the state of every
# service is printed, with the last log lines of the API, the flows and any service that
# is not healthy. Unless --keep-up, the stack is removed at the end, volumes included.
# Progress (images being built, services becoming healthy) is printed as "[docker]" lines.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON="${VENV}/bin/python"
PULPO="${VENV}/bin/pulpo"
export PULPO_DOCKER_TEST_PROJECT=${PULPO_DOCKER_TEST_PROJECT:-pulpo-dockertest}

example=pokemon
keep_up=0
pytest_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --example) shift; [ $# -gt 0 ] || { echo "--example needs a name" >&2; exit 2; }
                   example=$1 ;;
        --example=*) example=${1#--example=} ;;
        --build) export PULPO_DOCKER_BUILD=1 ;;
        --keep-up) keep_up=1; export PULPO_DOCKER_DEV=1 PULPO_DOCKER_DEFAULT_PORTS=1 ;;
        --filter) shift; [ $# -gt 0 ] || { echo "--filter needs an expression" >&2; exit 2; }
                  pytest_args+=(-k "$1") ;;
        --filter=*) pytest_args+=(-k "${1#--filter=}") ;;
        --) shift; pytest_args+=("$@"); break ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

[ -x "$PYTHON" ] || { echo "no virtualenv at ${VENV}: run \`make setup\` first" >&2; exit 2; }
[ -f "examples/${example}/pyproject.toml" ] || {
    echo "no example named ${example} (examples/: $(ls examples | tr '\n' ' '))" >&2; exit 2; }
# Self-contained images, as deployed, unless the stack is kept up for the next run.
export PULPO_DOCKER_DEV=${PULPO_DOCKER_DEV:-0}
export PULPO_DOCKER_EXAMPLE="$example"
PROJECT="${TMPDIR:-/tmp}/pulpo-docker-tests/${example}"
if [ "$example" = pokemon ]; then
    compose_project="$PULPO_DOCKER_TEST_PROJECT"
    tests=(tests/docker tests/e2e/test_pipeline_docker.py)
else
    compose_project="${PULPO_DOCKER_TEST_PROJECT}-${example}"
    tests=("examples/${example}/tests/docker")
    # The example's tests import its helpers (tests/) and Pulpo's fixture (tests/docker_stack.py).
    export PYTHONPATH="examples/${example}/tests:tests${PYTHONPATH:+:$PYTHONPATH}"
fi

# The fixture leaves the stack up for us; this script decides what happens to it.
status=0
PULPO_KEEP_UP=1 PULPO_DOCKER_RUNNER=1 "$PYTHON" -m pytest -m docker "${tests[@]}" \
    -p no:cacheprovider "${pytest_args[@]}" || status=$?

stack() { COMPOSE_PROJECT_NAME="$compose_project" "$PULPO" "$@"; }

# On a failure the fixture has printed every service's state and the logs that matter.
if [ -f "${PROJECT}/generated/docker-compose.yml" ]; then
    if [ "$keep_up" -eq 1 ]; then
        echo "the stack ${compose_project} keeps running (scripts/run_docker_tests.sh reuses it);"
        echo "from ${PROJECT}: docker compose -f docker-compose.test.yml ps | logs | exec test_runner pytest ..."
        stack ps "$PROJECT" || true
    else
        stack down "$PROJECT" -v >/dev/null
    fi
fi
# Stacks a test starts for itself are removed by that test; sweep up after an interrupted run.
for extra in "${compose_project}-ports" "${compose_project}-broken" "${compose_project}-dev"; do
    if [ -n "$(docker ps -aq --filter "label=com.docker.compose.project=${extra}")" ]; then
        COMPOSE_PROJECT_NAME="$extra" "$PULPO" down "$PROJECT" -v >/dev/null || true
    fi
done
exit "$status"
