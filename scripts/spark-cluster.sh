#!/usr/bin/env bash
# A Spark standalone cluster on this machine: one master and two workers on 127.0.0.1,
# started from the pyspark installation in .venv (its spark-class launcher; needs Java 17).
#
#   scripts/spark-cluster.sh start    # prints the master URL, spark://127.0.0.1:PORT
#   scripts/spark-cluster.sh status
#   scripts/spark-cluster.sh stop
#
# Settings (environment): SPARK_CLUSTER_PORT (master port, default 7077), SPARK_CLUSTER_UI
# (first web UI port, default 18080: master, then one per worker), SPARK_WORKER_CORES (1)
# and SPARK_WORKER_MEMORY (2g) per worker, SPARK_CLUSTER_DIR (pid files and logs, default
# .spark-cluster). The workers run gpqi's Python from .venv (PYSPARK_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
PORT=${SPARK_CLUSTER_PORT:-7077}
UI=${SPARK_CLUSTER_UI:-18080}
CORES=${SPARK_WORKER_CORES:-1}
MEMORY=${SPARK_WORKER_MEMORY:-2g}
DIR=${SPARK_CLUSTER_DIR:-$ROOT/.spark-cluster}
MASTER="spark://127.0.0.1:$PORT"

spark_home() {
  "$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

running() {  # pid file -> true when that process is alive
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_for_port() {  # port, seconds
  for _ in $(seq 1 "$2"); do
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 1
  done
  return 1
}

launch() {  # name, class, args...
  local name=$1
  shift
  setsid "$SPARK_HOME/bin/spark-class" "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$DIR/$name.pid"
}

start() {
  mkdir -p "$DIR"
  if running "$DIR/master.pid"; then
    cat "$DIR/master.url"
    return 0
  fi
  SPARK_HOME=$(spark_home)
  export SPARK_HOME PYSPARK_PYTHON="$PY" SPARK_LOCAL_IP=127.0.0.1
  export SPARK_WORKER_DIR="$DIR/work" SPARK_LOG_DIR="$DIR"
  launch master org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$PORT" --webui-port "$UI"
  if ! wait_for_port "$PORT" 60; then
    echo "spark master did not start; see $DIR/master.log" >&2
    tail -20 "$DIR/master.log" >&2
    stop
    exit 1
  fi
  for n in 1 2; do
    launch "worker$n" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "$CORES" --memory "$MEMORY" --webui-port $((UI + n)) \
      --work-dir "$DIR/work$n" "$MASTER"
  done
  # Wait until both workers have registered with the master.
  for _ in $(seq 1 60); do
    if [ "$(grep -c 'Registering worker' "$DIR/master.log" || true)" -ge 2 ]; then
      echo "$MASTER" >"$DIR/master.url"
      echo "$MASTER"
      return 0
    fi
    sleep 1
  done
  echo "spark workers did not register; see $DIR/worker1.log and $DIR/worker2.log" >&2
  stop
  exit 1
}

stop() {
  for name in worker2 worker1 master; do
    if running "$DIR/$name.pid"; then
      # setsid made each launcher its own process group: end the JVM with it.
      kill -- -"$(cat "$DIR/$name.pid")" 2>/dev/null || kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
    fi
    rm -f "$DIR/$name.pid"
  done
  rm -f "$DIR/master.url"
}

status() {
  for name in master worker1 worker2; do
    if running "$DIR/$name.pid"; then echo "$name: running (pid $(cat "$DIR/$name.pid"))"; else echo "$name: stopped"; fi
  done
  if [ -f "$DIR/master.url" ]; then echo "url: $(cat "$DIR/master.url")"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
