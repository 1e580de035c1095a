#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts sourcing this
# Shared settings and helpers for scripts/setup and scripts/services.
# Sourced, not executed: it only defines variables and functions.
set -euo pipefail

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "scripts/lib.sh is meant to be sourced by the other scripts" >&2
  exit 2
fi

# Repo root from this file's location, so the scripts work from any cwd and in
# any checkout (no machine paths baked in).
KASSA_ROOT="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# Everything generated at run time lives here; it is git-ignored. Overridable so that a private
# set of services (scripts/chaos: .local/chaos) never touches the shared one.
KASSA_LOCAL="${KASSA_LOCAL:-$KASSA_ROOT/.local}"
# Name of the script that sourced us, for log prefixes.
KASSA_SCRIPT="$(basename -- "${BASH_SOURCE[1]:-$0}")"

# --- defaults (overridable from the environment) -----------------------------
KASSA_PG_PORT="${KASSA_PG_PORT:-55432}"
KASSA_KAFKA_PORT="${KASSA_KAFKA_PORT:-59092}"
# The SMTP sink (aiosmtpd) that receives the package e-mails of tests and the demo.
KASSA_SMTP_PORT="${KASSA_SMTP_PORT:-59025}"
KASSA_SMTP_ADDR="127.0.0.1:$KASSA_SMTP_PORT"
KASSA_SMTP_MAILDIR="${KASSA_SMTP_MAILDIR:-$KASSA_LOCAL/smtp/maildir}"
# The controller listener always sits right above the broker port, so a single
# override moves both.
KASSA_KAFKA_CONTROLLER_PORT="$((KASSA_KAFKA_PORT + 1))"
KASSA_KAFKA_BOOTSTRAP="127.0.0.1:$KASSA_KAFKA_PORT"
# A second listener, two ports up, speaks SASL_SSL (certificate from .local/tls), as production
# brokers do, for the transport tests. Local credentials only. (Not
# KASSA_KAFKA_* names: kassa would read those as librdkafka settings.)
KASSA_SASL_PORT="${KASSA_SASL_PORT:-$((KASSA_KAFKA_PORT + 2))}"
KASSA_SASL_BOOTSTRAP="127.0.0.1:$KASSA_SASL_PORT"
KASSA_SASL_USER=kassa
KASSA_SASL_PASSWORD=kassa-local-secret
KASSA_PG_DSN="postgresql://kassa@127.0.0.1:$KASSA_PG_PORT/kassa"
# The same database as the roles of db/roles.sql: the worker's (rows only) and the read-only one.
KASSA_PG_WORKER_DSN="postgresql://kassa_worker@127.0.0.1:$KASSA_PG_PORT/kassa"
KASSA_PG_READER_DSN="postgresql://kassa_reader@127.0.0.1:$KASSA_PG_PORT/kassa"
# Debian's postgresql-15 keeps the server binaries off PATH.
KASSA_PG_BIN="${KASSA_PG_BIN:-/usr/lib/postgresql/15/bin}"
KASSA_TOPIC_PARTITIONS=6
KASSA_TOPICS=(
  invoicebox.payments.v1
  invoicebox.shipments.v1
  invoicebox.refunds.v1
  invoicebox.merchants.v1
  invoicebox.payouts.v1
  kassa.receipts.v1
  kassa.documents.v1
  kassa.dlq.v1
)
# More topics to create, space-separated (scripts/chaos: a second set of output topics).
read -ra _kassa_extra_topics <<<"${KASSA_EXTRA_TOPICS:-}"
KASSA_TOPICS+=("${_kassa_extra_topics[@]}")
unset _kassa_extra_topics

KASSA_KAFKA_POM="$KASSA_ROOT/scripts/kafka/pom.xml"
KASSA_KAFKA_DIR="$KASSA_LOCAL/kafka"
# A private set of services may share the jars already fetched (they are only read).
KASSA_KAFKA_LIBS="${KASSA_KAFKA_LIBS:-$KASSA_KAFKA_DIR/libs}"

# --- logging -------------------------------------------------------------------
# Everything diagnostic goes to stderr so stdout stays usable by callers.
log() { printf '[kassa:%s] %s\n' "$KASSA_SCRIPT" "$*" >&2; }
warn() { printf '[kassa:%s] WARNING: %s\n' "$KASSA_SCRIPT" "$*" >&2; }
die() {
  printf '[kassa:%s] ERROR: %s\n' "$KASSA_SCRIPT" "$*" >&2
  exit 1
}

# --- small utilities -------------------------------------------------------------
is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as root: directly when we are root, via sudo otherwise.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

# True if something accepts TCP connections on host:port. bash's /dev/tcp
# avoids depending on nc; timeout guards against a filtered port hanging.
port_open() {
  # shellcheck disable=SC2016 # $1/$2 expand in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Print the last lines of a log file framed for the terminal.
show_log_tail() {
  local file="$1" lines="${2:-30}"
  if [[ -f "$file" ]]; then
    log "last $lines lines of $file:"
    tail -n "$lines" -- "$file" >&2 || true
  else
    log "(no log file at $file)"
  fi
}

# Kafka version pinned in the pom; the jar marker is tied to it so bumping the
# pom refetches the jars.
kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p' "$KASSA_KAFKA_POM" | head -n1)"
  [[ -n "$v" ]] || die "cannot read <kafka.version> from $KASSA_KAFKA_POM"
  printf '%s\n' "$v"
}

# Copy the broker jars from Maven Central into .local/kafka/libs unless the
# completion marker for this version is already there. The marker is written
# last, so an interrupted download is redone from scratch next time.
ensure_kafka_jars() {
  local version marker
  version="$(kafka_version)"
  # The marker names a hash of the pom, so any change to it (version, logging binding) refetches.
  marker="$KASSA_KAFKA_LIBS/.complete-$(sha256sum "$KASSA_KAFKA_POM" | cut -c1-12)"
  if [[ -f "$marker" ]]; then
    log "kafka $version jars: present ($KASSA_KAFKA_LIBS)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; run scripts/setup"
  log "kafka $version jars: fetching with maven into $KASSA_KAFKA_LIBS (~55MB, once)"
  rm -rf -- "$KASSA_KAFKA_LIBS"
  mkdir -p -- "$KASSA_KAFKA_LIBS"
  # Maven's output (ANSI resets even with -q -B) goes to a log, shown on failure.
  if ! mvn -q -B -f "$KASSA_KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$KASSA_KAFKA_LIBS" >"$KASSA_KAFKA_DIR/mvn.log" 2>&1; then
    show_log_tail "$KASSA_KAFKA_DIR/mvn.log"
    die "maven could not fetch the kafka jars (is Maven Central reachable?)"
  fi
  touch -- "$marker"
  log "kafka $version jars: $(find "$KASSA_KAFKA_LIBS" -maxdepth 1 -name '*.jar' | wc -l) jars ready"
}
