#!/usr/bin/env bash
# The whole test suite, as `make test` runs it. The web tests run twice: on SQLite (the default
# app database) and on PostgreSQL when one answers on 127.0.0.1:5432 (as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

$BIN/ruff check gpqi tests
$BIN/ruff format --check gpqi tests
$BIN/lint-imports  # the layering contracts in pyproject.toml
$BIN/pytest -q "$@"

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ -d tests/web ]; then
    echo "== web tests again on PostgreSQL =="
    DATABASE_URL="${GPQI_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" \
      $BIN/pytest -q -m "not browser" tests/web
  fi
else
  echo "PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL web tests skipped" >&2
  [ -z "${CI:-}" ] || { echo "CI requires PostgreSQL" >&2; exit 1; }
fi
