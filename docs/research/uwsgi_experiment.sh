#!/bin/sh
# Reproduce docs/research/hosts.md §2: PythonAnywhere-like uWSGI runs (pip install pyuwsgi).
# Run from the worktree root; listens on 127.0.0.1 only; each server stops itself (timeout).
set -u
export PONDOK_DATA_DIR=/tmp/pa/data
mkdir -p /tmp/pa
sed "s#/home/USERNAME/pondok-sheets#$(pwd)#" deploy/pythonanywhere_wsgi.py > /tmp/pa/pythonanywhere_wsgi.py

try() {  # try PORT -- uwsgi arguments...
    port=$1; shift
    # --die-on-term: without it uWSGI 2.0 answers SIGTERM (what timeout sends) with a "binary reload"
    timeout 12 uwsgi --http "127.0.0.1:$port" "$@" --processes 2 --master --die-on-term > "/tmp/pa/uwsgi-$port.log" 2>&1 &
    sleep 5
    printf '%s -> /healthz %s\n' "$*" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"
    grep -a "callable not found\|WSGI app 0\|threads support" "/tmp/pa/uwsgi-$port.log"
    wait
}

try 18931 --wsgi-file /tmp/pa/pythonanywhere_wsgi.py   # works (200), app built in the master
try 18933 --module main:app                             # 500: "callable not found or import error"
try 18935 --module 'pondok_sheets:create_app()'         # works: uWSGI calls the factory
