#!/bin/bash
# cdk-blue-green-ec2 instance boot script.
#
# Runs once, as root, from the user-data that lib/boot/user-data.ts renders (cloud-init, Amazon
# Linux 2023). It reads the release version from the `bluegreen:version` tag of the instance's own
# Auto Scaling group (the group's tag is authoritative; the instance's own copy may lag at boot),
# validates it, writes it to /etc/bluegreen/version and starts the app. If no valid version can be
# read before the deadline it logs why, writes /var/lib/bluegreen/boot-failed, starts nothing (so
# the instance never passes the load balancer health check) and exits non-zero.
#
# Configuration (environment, exported by the user-data):
#   BLUEGREEN_COLOUR                 blue | green
#   BLUEGREEN_APP_PORT               the port the app listens on (1-65535)
#   BLUEGREEN_HEALTH_PATH            the load balancer's health check path
#   BLUEGREEN_APP_MODE               demo (default) | artifact | commands
#   BLUEGREEN_ARTIFACT_BUCKET, BLUEGREEN_ARTIFACT_PREFIX, BLUEGREEN_ARTIFACT_EXTENSION (artifact)
#   BLUEGREEN_USER_COMMANDS_FILE     commands mode script (default /opt/bluegreen/user-commands.sh)
#   BLUEGREEN_DB_ENDPOINT, BLUEGREEN_DB_PORT, BLUEGREEN_DB_SECRET_ARN (empty without a database)
#   BLUEGREEN_VERSION_WAIT_SECONDS   how long to keep trying to read a valid version (default 300)
#   Test hooks: BLUEGREEN_IMDS_ENDPOINT (default http://169.254.169.254), BLUEGREEN_ROOT (default
#   empty: the real /), BLUEGREEN_RETRY_BASE_SECONDS (first retry delay, default 1, doubling, max 20).
#
# The app's environment in every mode: APP_VERSION, APP_COLOUR, APP_PORT (also as PORT),
# HEALTH_PATH, DB_ENDPOINT, DB_PORT, DB_SECRET_ARN (the secret's ARN, never a password; read the
# secret with the instance role) and AWS_REGION. In demo and artifact mode it is also written to
# /etc/bluegreen/app.env (systemd EnvironmentFile format).
#
# Modes:
#   demo      /opt/bluegreen/demo-app.py (written by the user-data) runs as the systemd service
#             bluegreen-app.service under a dynamic unprivileged user.
#   artifact  s3://BUCKET/PREFIX<version>.EXTENSION (tar.gz, tgz or zip) is downloaded and unpacked
#             into /opt/bluegreen/releases/<version>/, then runs as the systemd service
#             bluegreen-app.service (as root, restarted on failure) with ExecStart=<that dir>/start.sh.
#             Artifact contract: the archive's top level holds start.sh; it runs the app in the
#             FOREGROUND (exec your server, do not daemonise) from the unpacked directory, listening
#             on $APP_PORT and answering $HEALTH_PATH with 200 once ready.
#   commands  the user's commands (a bash script body) run once, as root, in /opt/bluegreen. They
#             must leave the app running (e.g. start their own systemd service) and exit 0.
#
# Nothing from the tag is used (in a path, a command or a file) before it passes is_valid_version.
# System commands (aws, curl, systemctl, logger, dnf, tar, unzip) are found through PATH.

# The one version pattern, repeated from lib/contract/version.ts (test/boot proves they agree).
VERSION_PATTERN='^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
# Health check paths: the characters an ALB accepts, minus quotes and $ (repeated in user-data.ts).
HEALTH_PATH_PATTERN='^/[A-Za-z0-9._~/@:+&()!,;=%-]{0,1023}$'
# Values written to the app's environment file (endpoints, ports, ARNs).
ENV_VALUE_PATTERN='^[A-Za-z0-9._:/@+=,%~-]{0,2048}$'
INSTANCE_ID_PATTERN='^i-[0-9a-f]{8,17}$'
REGION_PATTERN='^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$'
# The AWS CLI's JSON rendering of a string: "...".
JSON_STRING_PATTERN='^"(.*)"$'
SECONDS_PATTERN='^[0-9]{1,6}$'
DECIMAL_SECONDS_PATTERN='^([0-9]{1,4})(\.([0-9]{1,3}))?$'
MAX_RETRY_DELAY_MS=20000
# Byte-wise ASCII ranges in the patterns above, whatever the instance's locale.
export LC_ALL=C

is_valid_version() {
  [[ $1 =~ $VERSION_PATTERN ]]
}

is_valid_health_path() {
  [[ $1 =~ $HEALTH_PATH_PATTERN ]]
}

# A value shown in a log line: shell-escaped (no raw newlines or control characters), truncated.
describe_value() {
  local shown
  printf -v shown '%q' "$1"
  if ((${#shown} > 80)); then shown="${shown:0:77}..."; fi
  printf '%s' "$shown"
}

log() {
  local line
  printf -v line '%s bluegreen-boot: %s' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
  printf '%s\n' "$line" >&2
  printf '%s\n' "$line" >>"$LOG_FILE" 2>/dev/null || true
  if command -v logger >/dev/null 2>&1; then
    logger -t bluegreen-boot -- "$*" || true
  fi
}

# Fails visibly: the marker and the log say why, and nothing listens on the health port.
fail() {
  log "FAILED: $*"
  mkdir -p "${FAILED_MARKER%/*}" 2>/dev/null || true
  printf '%s\n' "$*" >"$FAILED_MARKER" 2>/dev/null || true
  exit 1
}

on_unexpected_error() {
  fail "command failed (exit $1) at line $2 of boot.sh; no app started"
}

now_ms() {
  local micros=${EPOCHREALTIME/./}
  printf '%s' "$((10#$micros / 1000))"
}

sleep_ms() {
  local ms=$1
  sleep "$((ms / 1000)).$(printf '%03d' "$((ms % 1000))")"
}

seconds_to_ms() {
  [[ $1 =~ $DECIMAL_SECONDS_PATTERN ]] || return 1
  local fraction=${BASH_REMATCH[3]}000
  printf '%s' "$((10#${BASH_REMATCH[1]} * 1000 + 10#${fraction:0:3}))"
}

init_paths() {
  ROOT=${BLUEGREEN_ROOT:-}
  HOME_DIR="$ROOT/opt/bluegreen"
  ETC_DIR="$ROOT/etc/bluegreen"
  STATE_DIR="$ROOT/var/lib/bluegreen"
  LOG_FILE="$ROOT/var/log/bluegreen-boot.log"
  FAILED_MARKER="$STATE_DIR/boot-failed"
  UNIT_FILE="$ROOT/etc/systemd/system/bluegreen-app.service"
  IMDS=${BLUEGREEN_IMDS_ENDPOINT:-http://169.254.169.254}
}

# Reads and checks the static configuration; collects every problem into one failure.
validate_config() {
  local problems=() name
  COLOUR=${BLUEGREEN_COLOUR:-}
  APP_PORT=${BLUEGREEN_APP_PORT:-}
  HEALTH_PATH=${BLUEGREEN_HEALTH_PATH:-}
  MODE=${BLUEGREEN_APP_MODE:-demo}
  WAIT_SECONDS=${BLUEGREEN_VERSION_WAIT_SECONDS:-300}
  DB_ENDPOINT=${BLUEGREEN_DB_ENDPOINT:-}
  DB_PORT=${BLUEGREEN_DB_PORT:-}
  DB_SECRET_ARN=${BLUEGREEN_DB_SECRET_ARN:-}
  ARTIFACT_BUCKET=${BLUEGREEN_ARTIFACT_BUCKET:-}
  ARTIFACT_PREFIX=${BLUEGREEN_ARTIFACT_PREFIX:-}
  ARTIFACT_EXTENSION=${BLUEGREEN_ARTIFACT_EXTENSION:-}
  USER_COMMANDS_FILE=${BLUEGREEN_USER_COMMANDS_FILE:-$HOME_DIR/user-commands.sh}

  [[ $COLOUR == blue || $COLOUR == green ]] ||
    problems+=("BLUEGREEN_COLOUR ($(describe_value "$COLOUR")) must be blue or green")
  [[ $APP_PORT =~ ^[1-9][0-9]{0,4}$ ]] && ((APP_PORT <= 65535)) ||
    problems+=("BLUEGREEN_APP_PORT ($(describe_value "$APP_PORT")) must be a port number")
  is_valid_health_path "$HEALTH_PATH" ||
    problems+=("BLUEGREEN_HEALTH_PATH ($(describe_value "$HEALTH_PATH")) must match $HEALTH_PATH_PATTERN")
  [[ $WAIT_SECONDS =~ $SECONDS_PATTERN ]] ||
    problems+=("BLUEGREEN_VERSION_WAIT_SECONDS ($(describe_value "$WAIT_SECONDS")) must be whole seconds")
  RETRY_BASE_MS=$(seconds_to_ms "${BLUEGREEN_RETRY_BASE_SECONDS:-1}") ||
    problems+=("BLUEGREEN_RETRY_BASE_SECONDS ($(describe_value "${BLUEGREEN_RETRY_BASE_SECONDS:-}")) must be seconds")
  for name in DB_ENDPOINT DB_PORT DB_SECRET_ARN; do
    [[ ${!name} =~ $ENV_VALUE_PATTERN ]] ||
      problems+=("BLUEGREEN_$name ($(describe_value "${!name}")) has characters not allowed in an environment value")
  done
  case $MODE in
    demo)
      [[ -f $HOME_DIR/demo-app.py ]] || problems+=("demo mode needs $HOME_DIR/demo-app.py")
      ;;
    artifact)
      [[ $ARTIFACT_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
        problems+=("BLUEGREEN_ARTIFACT_BUCKET ($(describe_value "$ARTIFACT_BUCKET")) must be an S3 bucket name")
      [[ $ARTIFACT_PREFIX != *$'\n'* ]] || problems+=("BLUEGREEN_ARTIFACT_PREFIX must be one line")
      [[ $ARTIFACT_EXTENSION == tar.gz || $ARTIFACT_EXTENSION == tgz || $ARTIFACT_EXTENSION == zip ]] ||
        problems+=("BLUEGREEN_ARTIFACT_EXTENSION ($(describe_value "$ARTIFACT_EXTENSION")) must be tar.gz, tgz or zip")
      ;;
    commands)
      [[ -f $USER_COMMANDS_FILE ]] || problems+=("commands mode needs $USER_COMMANDS_FILE")
      ;;
    *)
      problems+=("BLUEGREEN_APP_MODE ($(describe_value "$MODE")) must be demo, artifact or commands")
      ;;
  esac
  if ((${#problems[@]} > 0)); then
    local joined
    printf -v joined '%s; ' "${problems[@]}"
    fail "invalid configuration: ${joined%; }"
  fi
}

imds_get() {
  curl -sS -f --noproxy '*' --connect-timeout 2 --max-time 5 \
    -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "$IMDS/latest/meta-data/$1"
}

# One attempt: IMDSv2 -> own group -> the group's version tag. On success sets VERSION (valid) and
# REGION; on failure sets REASON and returns 1. The candidate is only compared, never used, until
# is_valid_version accepts it.
try_read_version() {
  local instance_id group raw candidate
  VERSION=
  if ! IMDS_TOKEN=$(curl -sS -f --noproxy '*' --connect-timeout 2 --max-time 5 -X PUT \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' "$IMDS/latest/api/token" 2>&1); then
    REASON="IMDSv2 token request failed: $(describe_value "$IMDS_TOKEN")"
    return 1
  fi
  if ! instance_id=$(imds_get instance-id 2>&1) || [[ ! $instance_id =~ $INSTANCE_ID_PATTERN ]]; then
    REASON="could not read the instance id from IMDS: $(describe_value "$instance_id")"
    return 1
  fi
  if ! REGION=$(imds_get placement/region 2>&1) || [[ ! $REGION =~ $REGION_PATTERN ]]; then
    REASON="could not read the region from IMDS: $(describe_value "$REGION")"
    return 1
  fi
  if ! group=$(aws autoscaling describe-auto-scaling-instances --region "$REGION" \
    --instance-ids "$instance_id" --query 'AutoScalingInstances[0].AutoScalingGroupName' \
    --output text 2>&1); then
    REASON="describe-auto-scaling-instances failed: $(describe_value "$group")"
    return 1
  fi
  if [[ -z $group || $group == None ]]; then
    REASON="instance $instance_id is not (yet) known to Auto Scaling"
    return 1
  fi
  # JSON output, not text: text prints None for a missing tag, which is also a valid version.
  if ! raw=$(aws autoscaling describe-auto-scaling-groups --region "$REGION" \
    --auto-scaling-group-names "$group" \
    --query "AutoScalingGroups[0].Tags[?Key=='bluegreen:version'].Value | [0]" \
    --output json 2>&1); then
    REASON="describe-auto-scaling-groups failed: $(describe_value "$raw")"
    return 1
  fi
  if [[ $raw == null ]]; then
    REASON="group $(describe_value "$group") has no bluegreen:version tag (yet)"
    return 1
  fi
  if [[ ! $raw =~ $JSON_STRING_PATTERN ]]; then
    REASON="unexpected describe-auto-scaling-groups answer: $(describe_value "$raw")"
    return 1
  fi
  candidate=${BASH_REMATCH[1]}
  if ! is_valid_version "$candidate"; then
    REASON="the bluegreen:version tag of group $(describe_value "$group") is $(describe_value "$candidate"), which does not match $VERSION_PATTERN"
    return 1
  fi
  VERSION=$candidate
  log "group $group runs version $VERSION (instance $instance_id, region $REGION)"
}

# Retries with exponential backoff until a valid version is read or the deadline passes.
wait_for_version() {
  local deadline delay=$RETRY_BASE_MS attempt=1 remaining
  deadline=$(($(now_ms) + WAIT_SECONDS * 1000))
  while ! try_read_version; do
    remaining=$((deadline - $(now_ms)))
    if ((remaining <= 0)); then
      REASON="no valid version after $attempt attempts in ${WAIT_SECONDS}s; last: $REASON"
      return 1
    fi
    log "attempt $attempt: $REASON; retrying"
    sleep_ms "$((delay < remaining ? delay : remaining))"
    delay=$((delay * 2 > MAX_RETRY_DELAY_MS ? MAX_RETRY_DELAY_MS : delay * 2))
    attempt=$((attempt + 1))
  done
}

app_environment() {
  APP_ENV=(
    "APP_VERSION=$VERSION"
    "APP_COLOUR=$COLOUR"
    "APP_PORT=$APP_PORT"
    "PORT=$APP_PORT"
    "HEALTH_PATH=$HEALTH_PATH"
    "DB_ENDPOINT=$DB_ENDPOINT"
    "DB_PORT=$DB_PORT"
    "DB_SECRET_ARN=$DB_SECRET_ARN"
    "AWS_REGION=$REGION"
  )
}

# Every value is validated (no quotes, spaces, $ or newlines), so KEY=value lines are exact.
write_app_files() {
  mkdir -p "$ETC_DIR"
  printf '%s\n' "$VERSION" >"$ETC_DIR/version"
  printf '%s\n' "${APP_ENV[@]}" >"$ETC_DIR/app.env"
}

# $1: description, $2: working directory, $3...: ExecStart; further [Service] lines on stdin.
install_service() {
  local description=$1 directory=$2
  shift 2
  mkdir -p "${UNIT_FILE%/*}"
  {
    printf '[Unit]\nDescription=%s\nWants=network-online.target\nAfter=network-online.target\n\n' "$description"
    printf '[Service]\nType=simple\nWorkingDirectory=%s\nEnvironmentFile=%s\nExecStart=%s\n' \
      "$directory" "$ETC_DIR/app.env" "$*"
    printf 'Restart=on-failure\nRestartSec=2\n'
    cat
    printf '\n[Install]\nWantedBy=multi-user.target\n'
  } >"$UNIT_FILE"
  systemctl daemon-reload
  systemctl enable bluegreen-app.service
  systemctl restart bluegreen-app.service
}

start_demo() {
  local python
  python=$(command -v python3) || fail "demo mode needs python3"
  install_service "bluegreen demo app $VERSION ($COLOUR)" "$HOME_DIR" "$python" "$HOME_DIR/demo-app.py" \
    <<<$'DynamicUser=yes\nAmbientCapabilities=CAP_NET_BIND_SERVICE'
}

start_artifact() {
  local uri="s3://$ARTIFACT_BUCKET/$ARTIFACT_PREFIX$VERSION.$ARTIFACT_EXTENSION"
  local archive="$HOME_DIR/downloads/$VERSION.$ARTIFACT_EXTENSION"
  local release="$HOME_DIR/releases/$VERSION"
  mkdir -p "${archive%/*}"
  rm -rf "$release"
  mkdir -p "$release"
  log "downloading $uri"
  aws s3 cp --region "$REGION" --only-show-errors "$uri" "$archive" || fail "could not download $uri"
  if [[ $ARTIFACT_EXTENSION == zip ]]; then
    command -v unzip >/dev/null 2>&1 || dnf install -y unzip || fail "could not install unzip"
    unzip -q -o "$archive" -d "$release" || fail "could not unpack $uri"
  else
    tar -xzf "$archive" -C "$release" --no-same-owner || fail "could not unpack $uri"
  fi
  [[ -f $release/start.sh ]] || fail "artifact $uri has no start.sh at its top level"
  chmod 0755 "$release/start.sh"
  install_service "bluegreen app $VERSION ($COLOUR)" "$release" "$release/start.sh" </dev/null
}

run_user_commands() {
  log "running $USER_COMMANDS_FILE"
  (cd "$HOME_DIR" && env "${APP_ENV[@]}" bash "$USER_COMMANDS_FILE") ||
    fail "user commands $USER_COMMANDS_FILE failed (exit $?)"
}

main() {
  set -Eeuo pipefail
  umask 022
  init_paths
  trap 'on_unexpected_error $? $LINENO' ERR
  mkdir -p "${LOG_FILE%/*}" "$STATE_DIR"
  rm -f "$FAILED_MARKER"
  validate_config
  log "colour $COLOUR, mode $MODE, port $APP_PORT, health path $HEALTH_PATH; reading the group's version"
  wait_for_version || fail "$REASON; starting nothing, so this instance stays unhealthy"
  app_environment
  write_app_files
  case $MODE in
    demo) start_demo ;;
    artifact) start_artifact ;;
    commands) run_user_commands ;;
  esac
  log "started version $VERSION ($COLOUR, $MODE mode)"
}

# Sourcing the file (tests) defines the functions without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
