#!/usr/bin/env bash
# Run LocalStack (community, "host mode": plain Python, no Docker) for local
# development and CI.
#
#   localstack/localstack.sh start    create/refresh .venv-localstack, start, wait until healthy
#   localstack/localstack.sh stop     stop the recorded process (SIGTERM, then SIGKILL)
#   localstack/localstack.sh status   print "running ..." / "not running"
#   localstack/localstack.sh url      print the endpoint URL
#
# Environment:
#   LOCALSTACK_PORT             gateway port (default 4566)
#   LOCALSTACK_PYTHON           Python >= 3.13 to build the venv with (default: auto-detect)
#   LOCALSTACK_START_TIMEOUT    seconds to wait for health (default 120)
#   LOCALSTACK_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (default 10)
#
# Everything LocalStack writes at run time goes under .local/ at the repo root
# (pid file, log, and .local/localstack/ for its filesystem root and config dir);
# persistence is off, so every start begins with empty state.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
LOCK_FILE="$SCRIPT_DIR/requirements.lock"
VENV_DIR="$REPO_ROOT/.venv-localstack"
VENV_STAMP="$VENV_DIR/.requirements.lock.sha256"
LOCAL_DIR="$REPO_ROOT/.local"
STATE_DIR="$LOCAL_DIR/localstack"
PID_FILE="$LOCAL_DIR/localstack.pid"
LOG_FILE="$LOCAL_DIR/localstack.log"

PORT="${LOCALSTACK_PORT:-4566}"
START_TIMEOUT="${LOCALSTACK_START_TIMEOUT:-120}"
STOP_TIMEOUT="${LOCALSTACK_STOP_TIMEOUT:-10}"
HEALTH_URL="http://127.0.0.1:${PORT}/_localstack/health"

log() { printf 'localstack.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- Python discovery ---------------------------------------------------------

# localstack-core 2026.3.0 declares Requires-Python >=3.10 but needs 3.13 at run
# time (localstack/utils/tagging.py does `from warnings import deprecated`, new in
# 3.13; on 3.12 the runtime dies with "No component plugins found in namespace
# localstack.runtime.components").
MIN_PY="3.13"
MIN_PY_TUPLE="(3, 13)"

# Prints the interpreter's real path if it runs and is >= $MIN_PY, else fails.
python_ok() {
    "$1" -c "import sys, venv; assert sys.version_info >= $MIN_PY_TUPLE; print(sys.executable)" \
        2>/dev/null </dev/null
}

find_python() {
    local cand found root
    local -a cands=()
    [[ -n "${LOCALSTACK_PYTHON:-}" ]] && cands+=("$LOCALSTACK_PYTHON")
    cands+=(python3.13 python3.14)
    if command -v pyenv >/dev/null 2>&1; then
        local ver prefix
        for ver in 3.13 3.14; do
            # pyenv shims on PATH refuse to run versions that are not selected,
            # so ask pyenv for the install prefix instead.
            if prefix="$(pyenv prefix "$ver" 2>/dev/null)" && [[ -n "$prefix" ]]; then
                cands+=("$prefix/bin/python3")
            fi
        done
        root="$(pyenv root 2>/dev/null || true)"
    fi
    root="${root:-${PYENV_ROOT:-$HOME/.pyenv}}"
    if [[ -d "$root/versions" ]]; then
        # 3.13.x first (the lock was produced on 3.13), then newer
        local d
        # shellcheck disable=SC2012  # version dirs have plain names
        while IFS= read -r d; do
            cands+=("$d/bin/python3")
        done < <(ls -d "$root"/versions/3.13* "$root"/versions/3.1[4-9]* 2>/dev/null)
    fi
    cands+=(python3)
    for cand in "${cands[@]}"; do
        if found="$(python_ok "$cand")" && [[ -n "$found" ]]; then
            printf '%s\n' "$found"
            return 0
        fi
    done
    return 1
}

# --- venv -----------------------------------------------------------------------

lock_sha() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$LOCK_FILE" | cut -d' ' -f1
    else
        shasum -a 256 "$LOCK_FILE" | cut -d' ' -f1 # macOS
    fi
}

ensure_venv() {
    [[ -f "$LOCK_FILE" ]] || die "lock file not found: $LOCK_FILE"
    local want have=""
    want="$(lock_sha)"
    [[ -f "$VENV_STAMP" ]] && have="$(cat "$VENV_STAMP")"
    if [[ "$want" == "$have" ]] &&
        "$VENV_DIR/bin/python" -c "import sys, localstack; assert sys.version_info >= $MIN_PY_TUPLE" \
            2>/dev/null </dev/null; then
        return 0
    fi
    local py
    py="$(find_python)" || die "no Python >= $MIN_PY found (tried \$LOCALSTACK_PYTHON, python3.13, python3.14 on PATH, 'pyenv prefix 3.13/3.14', \$(pyenv root)/versions/3.1[3-9]*, python3). Install one (e.g. 'pyenv install 3.13') or set LOCALSTACK_PYTHON=/path/to/python$MIN_PY."
    if [[ -d "$VENV_DIR" ]]; then
        log "lock file changed (or venv incomplete): recreating $VENV_DIR"
    else
        log "creating $VENV_DIR"
    fi
    log "using $py ($("$py" -c 'import platform; print(platform.python_version())'))"
    rm -rf "$VENV_DIR"
    local t0=$SECONDS
    "$py" -m venv "$VENV_DIR"
    mkdir -p "$LOCAL_DIR"
    local pip_log="$LOCAL_DIR/localstack-pip.log"
    if ! "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-input \
        --no-deps -r "$LOCK_FILE" </dev/null >"$pip_log" 2>&1; then
        log "pip install failed; last lines of $pip_log:"
        tail -n 30 "$pip_log" >&2 || true
        exit 1
    fi
    # the stamp is written last, so an interrupted install is redone next time
    printf '%s\n' "$want" >"$VENV_STAMP"
    log "venv ready in $((SECONDS - t0)) s"
}

# --- process helpers ------------------------------------------------------------

recorded_pid() {
    local pid=""
    [[ -f "$PID_FILE" ]] && pid="$(tr -dc '0-9' <"$PID_FILE")"
    printf '%s' "$pid"
}

# True if $1 exists and is not a zombie (a zombie is dead but would pass kill -0
# until its parent reaps it, which not every container init does).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state=""
    [[ -r "/proc/$1/stat" ]] && state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null)"
    [[ "$state" != "Z" ]]
}

# True if $1 is alive and is our LocalStack (guards against pid reuse).
is_our_process() {
    local pid="$1"
    [[ -n "$pid" ]] && alive "$pid" || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 0   # no procfs: trust kill -0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'localstack\.runtime\.main'
}

# Health: s3 and apigateway "available" or "running".
is_healthy() {
    local py="$VENV_DIR/bin/python"
    [[ -x "$py" ]] || py="$(command -v python3 || true)"
    [[ -n "$py" ]] || return 1
    "$py" -c '
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore *_proxy
with opener.open(sys.argv[1], timeout=3) as r:
    services = json.load(r).get("services", {})
ok = all(services.get(s) in ("available", "running") for s in ("s3", "apigateway"))
sys.exit(0 if ok else 1)
' "$HEALTH_URL" >/dev/null 2>&1 </dev/null
}

port_in_use() {
    "$VENV_DIR/bin/python" -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
' "$PORT" >/dev/null 2>&1 </dev/null
}

# Live (non-zombie) members of process group $1 (LocalStack is started with
# setsid, so its pgid == its pid).
group_pids() {
    ps -eo pid=,pgid=,stat= 2>/dev/null | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# --- commands -------------------------------------------------------------------

cmd_start() {
    mkdir -p "$LOCAL_DIR"
    # serialise concurrent starts (e.g. parallel CI steps)
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$LOCAL_DIR/localstack.start.lock"
        flock 9
    fi

    local pid
    pid="$(recorded_pid)"
    if is_our_process "$pid"; then
        if is_healthy; then
            log "already up (pid $pid) at $(cmd_url)"
            return 0
        fi
        log "recorded pid $pid is alive but not healthy: restarting it"
        cmd_stop
    elif [[ -n "$pid" ]]; then
        rm -f "$PID_FILE"
    fi

    ensure_venv

    if port_in_use; then
        die "port $PORT is already in use by another process (set LOCALSTACK_PORT to use another port)"
    fi

    mkdir -p "$STATE_DIR/fs" "$STATE_DIR/config"
    log "starting LocalStack on 127.0.0.1:$PORT (log: $LOG_FILE)"
    local t0=$SECONDS
    # os.setsid(): own session/process group (pgid == pid), detached from the
    # caller's terminal and job control, so `stop` can also reap any children.
    # Done in-process (not setsid(1), which forks when called by a group leader)
    # so that $! is LocalStack's own pid.
    (
        exec 9>&- # do not hand the start lock to LocalStack
        cd "$STATE_DIR"
        exec env \
            GATEWAY_LISTEN="127.0.0.1:${PORT}" \
            SERVICES="s3,apigateway,iam,sts,logs,kms,acm,route53,cloudwatch" \
            PERSISTENCE=0 \
            OVERRIDE_IN_DOCKER=0 \
            FILESYSTEM_ROOT="$STATE_DIR/fs" \
            CONFIG_DIR="$STATE_DIR/config" \
            DNS_ADDRESS=0 \
            SKIP_SSL_CERT_DOWNLOAD=1 \
            DISABLE_EVENTS=1 \
            LOCALSTACK_TELEMETRY_DISABLED=1 \
            PYTHONUNBUFFERED=1 \
            "$VENV_DIR/bin/python" -c '
import os, sys
try:
    os.setsid()
except OSError:
    pass
os.execv(sys.executable, [sys.executable, "-m", "localstack.runtime.main"])
' </dev/null >"$LOG_FILE" 2>&1
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"

    while ((SECONDS - t0 < START_TIMEOUT)); do
        if ! alive "$pid"; then
            log "LocalStack exited during startup; last log lines:"
            tail -n 50 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            exit 1
        fi
        if is_healthy; then
            log "up (pid $pid) in $((SECONDS - t0)) s at $(cmd_url)"
            return 0
        fi
        sleep 1
    done
    log "timed out after ${START_TIMEOUT} s waiting for $HEALTH_URL; last log lines:"
    tail -n 50 "$LOG_FILE" >&2 || true
    cmd_stop || true
    exit 1
}

cmd_stop() {
    local pid
    pid="$(recorded_pid)"
    if ! is_our_process "$pid"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    local t0=$SECONDS
    log "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "pid $pid still alive after ${STOP_TIMEOUT} s: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
    fi
    # leftover children in its process group (pgid == pid thanks to setsid);
    # none are expected for s3/apigateway/iam/sts, this is a safety net
    local left
    left="$(group_pids "$pid" | tr '\n' ' ')"
    if [[ -n "${left// /}" ]]; then
        log "killing leftover processes of group $pid: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    log "stopped in $((SECONDS - t0)) s"
}

cmd_status() {
    local pid
    pid="$(recorded_pid)"
    if is_our_process "$pid"; then
        if is_healthy; then
            echo "running (pid $pid, $(cmd_url))"
        else
            echo "running (pid $pid, $(cmd_url)) but not healthy"
        fi
    else
        echo "not running"
    fi
}

cmd_url() {
    echo "http://localhost:${PORT}"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url ;;
    *)
        echo "usage: $0 {start|stop|status|url}" >&2
        exit 2
        ;;
esac
