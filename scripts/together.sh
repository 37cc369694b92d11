#!/usr/bin/env bash
# Runs commands side by side, each output line marked with the command's
# label, and fails as soon as one fails (stopping the others).
#
#   scripts/together.sh LABEL 'COMMAND' [LABEL 'COMMAND' ...]
#
# `make test` builds the release bundle beside the lints and the test
# build: on two cores each build alone leaves a core idle for long spells
# (one large crate at a time, linking, wasm-opt), which the other fills.
set -uo pipefail

if [ $(( $# % 2 )) -ne 0 ] || [ $# -eq 0 ]; then
  echo "usage: $0 LABEL 'COMMAND' [LABEL 'COMMAND' ...]" >&2
  exit 2
fi

declare -A label_of=()
pids=()
while [ $# -gt 0 ]; do
  label="$1" command="$2"
  shift 2
  # Each in a process group of its own, so that stopping it stops cargo and
  # rustc under it too.
  setsid bash -o pipefail -c "{ $command; } 2>&1 | sed -u 's/^/[$label] /'" &
  pids+=("$!")
  label_of[$!]="$label"
done

stop_all() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT TERM

running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
  done_pid=""
  wait -n -p done_pid "${running[@]}"
  status=$?
  [ -n "$done_pid" ] || { echo "together: lost track of a command" >&2; stop_all; exit 1; }
  still=()
  for p in "${running[@]}"; do [ "$p" = "$done_pid" ] || still+=("$p"); done
  running=("${still[@]}")
  if [ "$status" -ne 0 ]; then
    echo "together: ${label_of[$done_pid]} failed (exit $status); stopping the rest" >&2
    stop_all
    wait
    exit "$status"
  fi
  echo "together: ${label_of[$done_pid]} done"
done
