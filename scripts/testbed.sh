#!/usr/bin/env bash
# testbed.sh: set up the end-to-end test bed on a Debian 12 machine (run as root).
#
# Idempotent: every step checks first and only acts when something is missing, so a
# second run takes about a second and changes nothing. It brings up:
#   - the packages the e2e tests call (docker engine, Xvfb, Xephyr, pulseaudio, ...);
#   - the Docker engine (dockerd, detached, log in /var/log/dockerd.log);
#   - the base image debian:bookworm-slim (pulled, or built offline with debootstrap);
#   - a virtual "host desktop" X display (Xvfb);
#   - the user the Wayland suite runs sway as (the suites start their own Xvfb, openbox and sway);
#   - a PulseAudio daemon with a null sink the tests record from.
# Progress goes to stderr ("testbed: ..."). stdout gets KEY=value lines for the harness:
#   DISPLAY=:0
#   PULSE_SERVER=unix:/run/dockercask-test/pulse/pulse/native
#   DOCKERCASK_TEST_SINK=dockercask_test
#   DOCKERCASK_TEST_PIPEWIRE_SERVER=unix:/run/dockercask-test/pipewire/pulse/native
#
# Environment (all optional):
#   DOCKERCASK_TEST_DISPLAY    X display to serve        (default :0)
#   DOCKERCASK_TEST_PULSE_DIR  XDG_RUNTIME_DIR for pulse (default /run/dockercask-test/pulse)
#   DOCKERCASK_TEST_SINK       null sink name            (default dockercask_test)
set -euo pipefail
# The daemons started below outlive this script and keep its working directory: a checkout's
# would be theirs, and removing that checkout broke Podman's conmon ("Failed to get working
# directory"), so every new container of it hung. Nothing here uses a relative path.
cd /

TEST_DISPLAY="${DOCKERCASK_TEST_DISPLAY:-:0}"
PULSE_DIR="${DOCKERCASK_TEST_PULSE_DIR:-/run/dockercask-test/pulse}"
SINK="${DOCKERCASK_TEST_SINK:-dockercask_test}"
BASE_IMAGE="debian:bookworm-slim"
DEBIAN_MIRROR="http://deb.debian.org/debian"

DOCKERD_LOG=/var/log/dockerd.log
XVFB_LOG=/var/log/dockercask-xvfb.log
PULSE_LOG=/var/log/dockercask-pulse.log

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: ERROR: %s\n' "$*" >&2; exit 1; }

# wait_until TRIES INTERVAL COMMAND...: runs COMMAND until it succeeds, at most TRIES times.
wait_until() {
  local tries="$1" interval="$2" i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep "$interval"
  done
  return 1
}

# ensure_sink PACTL: the null sink the tests record from, on the server PACTL talks to.
ensure_sink() {
  if ! "$1" list short sinks | awk '{ print $2 }' | grep -qxF "$SINK"; then
    log "$1: loading null sink ${SINK}"
    "$1" load-module module-null-sink "sink_name=${SINK}" >/dev/null
  fi
}

if [ "$(id -u)" -ne 0 ]; then
  die "run as root"
fi

# ---------------------------------------------------------------------------------------
# Packages: command -> Debian package. Only missing commands trigger an install.
# dockerd, not docker: /usr/local/bin/docker may be a client-only binary.
# ---------------------------------------------------------------------------------------
declare -A PKG_OF=(
  [dockerd]=docker.io
  [Xvfb]=xvfb
  [Xephyr]=xserver-xephyr
  [xauth]=xauth
  [xsel]=xsel
  [xclip]=xclip
  [pactl]=pulseaudio-utils
  [parec]=pulseaudio-utils
  [pulseaudio]=pulseaudio
  [import]=imagemagick
  [convert]=imagemagick
  [xdotool]=xdotool
  [xwininfo]=x11-utils
  [xdpyinfo]=x11-utils
  [wmctrl]=wmctrl
  [debootstrap]=debootstrap
  [sox]=sox
  [socat]=socat
  # Distribution tests: build, lint and install the .deb, validate menu entries, run completions.
  [readelf]=binutils
  [lintian]=lintian
  [desktop-file-validate]=desktop-file-utils
  [file]=file
  # Unit tests too: completion scripts through zsh and fish, the man page through groff.
  [zsh]=zsh
  [fish]=fish
  [groff]=groff-base
  # The shell scripts' lint, counted as one test (scripts/lib/shell-scripts.ts).
  [shellcheck]=shellcheck
  [pipewire]=pipewire
  [pipewire-pulse]=pipewire-pulse
  [wireplumber]=wireplumber
  [dbus-run-session]=dbus
  # Desktops: a real window manager, RandR monitors, and a Wayland session with XWayland.
  [openbox]=openbox
  [xrandr]=x11-xserver-utils
  [xhost]=x11-xserver-utils
  [sway]=sway
  [Xwayland]=xwayland
  [wl-copy]=wl-clipboard
  [wl-paste]=wl-clipboard
  [setpriv]=util-linux
  [ip]=iproute2
  # Engines besides rootful Docker: Podman's compat API, and the rootless tooling of both.
  [podman]=podman
  # The init Podman starts as pid 1 for Init: true; only a Recommends of podman, so say it.
  [/usr/libexec/podman/catatonit]=catatonit
  [rootlesskit]=rootlesskit
  [newuidmap]=uidmap
  [slirp4netns]=slirp4netns
  # Links and notifications: each instance's own bus, the host's opener, a real notification server.
  [dbus-daemon]=dbus-daemon
  [dbus-send]=dbus-bin
  [xdg-open]=xdg-utils
  [dunst]=dunst
  [dunstctl]=dunst
  # The ask dialog, and reading it back from a screenshot as a user would.
  [zenity]=zenity
  [tesseract]=tesseract-ocr
)

ensure_packages() {
  local cmd
  local -A want=()
  for cmd in "${!PKG_OF[@]}"; do
    # dockerd and debootstrap live in /usr/sbin, which a non-login root PATH may lack.
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
      want[${PKG_OF[$cmd]}]=1
    fi
  done
  if [ "${#want[@]}" -eq 0 ]; then
    log "packages: all present"
    return
  fi
  local pkgs
  pkgs="$(printf '%s\n' "${!want[@]}" | sort | tr '\n' ' ')"
  log "packages: installing ${pkgs}"
  apt-get update -q >&2
  # needrestart (when installed) would otherwise print a page of service checks.
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  NEEDRESTART_SUSPEND=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >&2
}

# ---------------------------------------------------------------------------------------
# Docker engine.
# ---------------------------------------------------------------------------------------
docker_up() { timeout 10 docker info >/dev/null 2>&1; }

ensure_docker() {
  if docker_up; then
    log "docker: engine answers"
    return
  fi
  local pid=""
  if [ -r /var/run/docker.pid ]; then
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "docker: dockerd (pid ${pid}) is running but not answering yet; waiting"
  else
    log "docker: starting dockerd (log: ${DOCKERD_LOG})"
    local dockerd_bin
    dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
    setsid nohup "$dockerd_bin" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  wait_until 120 0.5 docker_up || die "docker engine did not answer within 60 s; see ${DOCKERD_LOG}"
  log "docker: engine answers"
}

# ---------------------------------------------------------------------------------------
# Base image debian:bookworm-slim: pull, or build it offline.
# ---------------------------------------------------------------------------------------
ROOTFS=""

cleanup_rootfs() {
  [ -n "$ROOTFS" ] && [ -d "$ROOTFS" ] || return 0
  # A failed debootstrap can leave /proc, /sys or /dev/pts mounted inside the target:
  # unmount everything below it (deepest first) before deleting anything.
  local mnt
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v root="$ROOTFS/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  rm -rf --one-file-system "$ROOTFS"
  ROOTFS=""
}
trap cleanup_rootfs EXIT

# Trim a debootstrap minbase tree the way the official slim image is trimmed
# (debuerreotype's minimizing config + slimify), as far as it is cheap to do.
minimize_rootfs() {
  local r="$1"

  # apt/dpkg configuration of the official Docker images.
  cat >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
Apt::AutoRemove::SuggestsImportant "false";
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-gzip-indexes" <<'EOF'
Acquire::GzipIndexes "true";
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
  mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker-apt-speedup" <<'EOF'
force-unsafe-io
EOF
  # The "slim" part: packages installed later skip docs, man pages and translations.
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  # ... and the same files go from what debootstrap already installed.
  find "$r/usr/share/doc" -mindepth 1 \( -type f -o -type l \) ! -name copyright -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  local d
  for d in groff info linda lintian/overrides locale man; do
    if [ -d "$r/usr/share/$d" ]; then
      find "$r/usr/share/$d" -mindepth 1 -delete
    fi
  done

  # Sources as in the official image: main, updates and security, deb822 format.
  rm -f "$r/etc/apt/sources.list"
  mkdir -p "$r/etc/apt/sources.list.d"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # Caches, package lists, logs and host leftovers.
  find "$r/var/cache/apt" -type f -delete
  find "$r/var/lib/apt/lists" -mindepth 1 -maxdepth 1 ! -name partial ! -name lock -exec rm -rf {} +
  rm -f "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old
  find "$r/var/log" -type f -delete
  rm -rf "$r/tmp/"* "$r/var/tmp/"* 2>/dev/null || true
  # debootstrap copies the host's resolv.conf and hostname; Docker mounts its own.
  : >"$r/etc/resolv.conf"
  : >"$r/etc/hostname"
  # Docker mounts a fresh /dev; keep the directory, drop debootstrap's device nodes.
  find "$r/dev" -mindepth 1 -delete
}

# One root filesystem tarball, cached, that every engine imports: the same base in every store.
BASE_TARBALL=/var/cache/dockercask-test/bookworm.tar
# docker import keeps no config: give the image the Env and Cmd of the official one.
# PATH matters: the build step runs RUN lines with the image's Env, and ENV lines in
# Dockerfiles that extend PATH ("ENV PATH=/opt/x/bin:$PATH") expand it from there.
IMPORT_CHANGES=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]')

ensure_base_tarball() {
  [ -s "$BASE_TARBALL" ] && return 0
  mkdir -p "$(dirname "$BASE_TARBALL")"
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    # An engine already has the base (pulled or imported before): its files are the tarball.
    log "image: exporting ${BASE_IMAGE} to ${BASE_TARBALL}"
    local cid
    cid="$(docker create "$BASE_IMAGE" true)"
    docker export "$cid" >"${BASE_TARBALL}.part"
    docker rm "$cid" >/dev/null
  else
    build_base_tarball "${BASE_TARBALL}.part"
  fi
  chmod 0644 "${BASE_TARBALL}.part"
  mv "${BASE_TARBALL}.part" "$BASE_TARBALL"
}

ensure_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "image: ${BASE_IMAGE} present"
    return
  fi
  log "image: pulling ${BASE_IMAGE}"
  if timeout 30 docker pull "$BASE_IMAGE" >/dev/null 2>&1; then
    log "image: pulled ${BASE_IMAGE}"
    return
  fi
  log "image: pull failed (no registry?); importing ${BASE_IMAGE} from ${BASE_TARBALL}"
  ensure_base_tarball
  docker import "${IMPORT_CHANGES[@]}" --message "dockercask testbed: debootstrap --variant=minbase bookworm" \
    "$BASE_TARBALL" "$BASE_IMAGE" >/dev/null
  log "image: ${BASE_IMAGE} imported"
}

build_base_tarball() {
  local out="$1"
  log "image: building ${BASE_IMAGE} offline with debootstrap"
  ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/dockercask-rootfs.XXXXXX")"
  local debootstrap_bin
  debootstrap_bin="$(command -v debootstrap || echo /usr/sbin/debootstrap)"
  if ! "$debootstrap_bin" --variant=minbase bookworm "$ROOTFS" "$DEBIAN_MIRROR" >&2; then
    die "debootstrap failed; see ${ROOTFS}/debootstrap/debootstrap.log (removed on exit)"
  fi
  minimize_rootfs "$ROOTFS"
  tar --numeric-owner -C "$ROOTFS" -c . >"$out"
  cleanup_rootfs
  log "image: ${BASE_IMAGE} tarball built"
}

# ---------------------------------------------------------------------------------------
# X display (Xvfb).
# ---------------------------------------------------------------------------------------
display_up() { xdpyinfo -display "$TEST_DISPLAY" >/dev/null 2>&1; }

ensure_display() {
  if display_up; then
    log "display: ${TEST_DISPLAY} answers"
    return
  fi
  local n="${TEST_DISPLAY#:}"
  n="${n%%.*}"
  case "$n" in
    '' | *[!0-9]*) die "DOCKERCASK_TEST_DISPLAY must look like :N, got '${TEST_DISPLAY}'" ;;
  esac
  local lock="/tmp/.X${n}-lock" sock="/tmp/.X11-unix/X${n}" pid=""
  if [ -e "$lock" ]; then
    pid="$(tr -d ' \n' <"$lock" 2>/dev/null || true)"
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "display: an X server (pid ${pid}) holds ${TEST_DISPLAY} but is not answering yet; waiting"
  else
    if [ -e "$lock" ] || [ -e "$sock" ]; then
      log "display: removing stale ${lock} and ${sock}"
      rm -f "$lock" "$sock"
    fi
    log "display: starting Xvfb ${TEST_DISPLAY} (log: ${XVFB_LOG})"
    # -noreset: a desktop's X server never resets, since its session's clients (window manager,
    # panel) stay connected. A bare Xvfb resets whenever its last client leaves, which would
    # stall the next client ~25 ms (dockercask's Xephyr, right after its screen-size query).
    setsid nohup Xvfb "$TEST_DISPLAY" -screen 0 1280x800x24 -nolisten tcp -noreset >>"$XVFB_LOG" 2>&1 </dev/null &
  fi
  wait_until 50 0.2 display_up || die "X display ${TEST_DISPLAY} did not answer within 10 s; see ${XVFB_LOG}"
  log "display: ${TEST_DISPLAY} answers"
}

# ---------------------------------------------------------------------------------------
# PulseAudio with a null sink.
# ---------------------------------------------------------------------------------------
# Ignore a PULSE_SERVER the caller may have exported: talk to the daemon in PULSE_DIR.
pa() { env -u PULSE_SERVER XDG_RUNTIME_DIR="$PULSE_DIR" pactl "$@"; }
pulse_up() { timeout 5 env -u PULSE_SERVER XDG_RUNTIME_DIR="$PULSE_DIR" pactl info >/dev/null 2>&1; }

ensure_pulse() {
  if pulse_up; then
    log "pulse: daemon answers"
  else
    mkdir -p "$PULSE_DIR"
    chmod 0700 "$PULSE_DIR"
    log "pulse: starting pulseaudio in ${PULSE_DIR} (log: ${PULSE_LOG})"
    # As root pulseaudio warns that it is "not intended to be run as root"; it works.
    # --start daemonizes (and returns once the daemon is up); setsid keeps it out of
    # the caller's session either way.
    env -u PULSE_SERVER XDG_RUNTIME_DIR="$PULSE_DIR" setsid pulseaudio --start \
      --exit-idle-time=-1 -n -F /dev/null \
      --log-target="file:${PULSE_LOG}" \
      --load=module-native-protocol-unix \
      --load="module-null-sink sink_name=${SINK}" \
      >>"$PULSE_LOG" 2>&1 </dev/null ||
      die "pulseaudio failed to start; see ${PULSE_LOG}"
    wait_until 50 0.2 pulse_up || die "pulseaudio did not answer within 10 s; see ${PULSE_LOG}"
    log "pulse: daemon answers"
  fi
  # A daemon someone else started may lack the sink: add it if needed.
  ensure_sink pa
  if [ "$(pa get-default-sink 2>/dev/null || pa info | sed -n 's/^Default Sink: //p')" != "$SINK" ]; then
    log "pulse: default sink -> ${SINK}"
    pa set-default-sink "$SINK"
  fi
}

pulse_server() {
  local s
  s="$(pa info | sed -n 's/^Server String: //p')"
  case "$s" in
    unix:*) printf '%s\n' "$s" ;;
    /*) printf 'unix:%s\n' "$s" ;;
    *) printf 'unix:%s/pulse/native\n' "$PULSE_DIR" ;;
  esac
}

# ---------------------------------------------------------------------------------------
# PipeWire's pulse server, a second sound server beside PulseAudio: desktops that run
# PipeWire have no per-client socket module, and dockercask relays instead. It needs a
# session bus and a session manager (wireplumber), so all three run under dbus-run-session.
# ---------------------------------------------------------------------------------------
PIPEWIRE_DIR="${DOCKERCASK_TEST_PIPEWIRE_DIR:-/run/dockercask-test/pipewire}"
PIPEWIRE_LOG=/var/log/dockercask-pipewire.log
pw() { env -u PULSE_SERVER XDG_RUNTIME_DIR="$PIPEWIRE_DIR" pactl "$@"; }
pipewire_up() { timeout 2 env -u PULSE_SERVER XDG_RUNTIME_DIR="$PIPEWIRE_DIR" pactl info 2>/dev/null | grep -q "on PipeWire"; }

ensure_pipewire() {
  if ! pipewire_up; then
    # Nothing answers, so whatever is left in the dir (sockets, locks) belongs to a dead daemon.
    rm -rf "$PIPEWIRE_DIR"
    mkdir -p "$PIPEWIRE_DIR"
    chmod 0700 "$PIPEWIRE_DIR"
    log "pipewire: starting pipewire, wireplumber and pipewire-pulse in ${PIPEWIRE_DIR} (log: ${PIPEWIRE_LOG})"
    env -u PULSE_SERVER XDG_RUNTIME_DIR="$PIPEWIRE_DIR" setsid nohup dbus-run-session -- \
      sh -c 'pipewire & sleep 0.5; wireplumber & pipewire-pulse & wait' >>"$PIPEWIRE_LOG" 2>&1 </dev/null &
    wait_until 50 0.2 pipewire_up || die "pipewire-pulse did not answer within 10 s; see ${PIPEWIRE_LOG}"
  fi
  log "pipewire: pulse server answers"
  ensure_sink pw
}

# ---------------------------------------------------------------------------------------
# The unprivileged account the Wayland suite runs sway as (sway refuses to run as root).
# The suite starts and stops the compositor itself, in a runtime dir of its own.
# ---------------------------------------------------------------------------------------
WAYLAND_USER=dockercask-wayland

ensure_wayland_user() {
  if id -u "$WAYLAND_USER" >/dev/null 2>&1; then
    log "wayland: user ${WAYLAND_USER} present"
    return
  fi
  log "wayland: adding user ${WAYLAND_USER}"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$WAYLAND_USER"
}

# ---------------------------------------------------------------------------------------
# Podman, rootful: its Docker-compatible API on /run/podman/podman.sock.
# ---------------------------------------------------------------------------------------
PODMAN_SOCK=/run/podman/podman.sock
PODMAN_LOG=/var/log/dockercask-podman.log
engine_up() { timeout 10 docker -H "unix://$1" info >/dev/null 2>&1; }

# This machine's quirks, which a desktop's Podman does not have: crun refuses the hybrid cgroup
# layout ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), so runc;
# and without CAP_SYS_RESOURCE nobody may raise a hard rlimit, while Podman asks for more open
# files and processes than we have ("error setting rlimit type 7: operation not permitted").
ensure_containers_conf() {
  local want
  want="$(printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n\n[engine]\nruntime = "runc"\n' \
    "$(ulimit -Hn)" "$(ulimit -Hn)" 32768 32768)"
  if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$want" ]; then
    log "podman: writing /etc/containers/containers.conf (runc, ulimits within ours)"
    mkdir -p /etc/containers
    printf '%s\n' "$want" >/etc/containers/containers.conf
  fi
}

ensure_podman() {
  ensure_containers_conf
  if ! engine_up "$PODMAN_SOCK"; then
    log "podman: starting podman system service on ${PODMAN_SOCK} (log: ${PODMAN_LOG})"
    mkdir -p "$(dirname "$PODMAN_SOCK")"
    rm -f "$PODMAN_SOCK"
    setsid nohup podman system service --time=0 "unix://${PODMAN_SOCK}" >>"$PODMAN_LOG" 2>&1 </dev/null &
    wait_until 60 0.5 engine_up "$PODMAN_SOCK" || die "podman did not answer on ${PODMAN_SOCK}; see ${PODMAN_LOG}"
  fi
  log "podman: engine answers"
  if ! podman image exists "$BASE_IMAGE"; then
    ensure_base_tarball
    log "podman: importing ${BASE_IMAGE} from ${BASE_TARBALL}"
    podman import "${IMPORT_CHANGES[@]}" "$BASE_TARBALL" "$BASE_IMAGE" >/dev/null
  fi
}

# ---------------------------------------------------------------------------------------
# A current Docker Engine beside Debian 12's 20.10: Debian 13's docker.io (26.1) and containerd
# (1.7), unpacked from their packages, not installed, so they replace nothing of the system's.
# Their binaries run on Debian 12's glibc; Debian 13's runc does not (it needs glibc 2.38), so
# the system's runc 1.1 runs the containers. It has its own socket, data root, exec root and
# bridge, and when Debian 13's packages cannot be had it is left out and the matrix says why.
# ---------------------------------------------------------------------------------------
CURRENT_SOCK=/run/docker-current.sock
CURRENT_DIR=/opt/dockercask/docker-current
CURRENT_CACHE=/var/cache/dockercask/docker-current
CURRENT_BRIDGE=dcur0
CURRENT_BRIDGE_ADDR=172.30.199.1/24
CURRENT_LOG=/var/log/dockerd-current.log
CURRENT_ENGINE=""
CURRENT_MISSING=""

fetch_docker_current() {
  [ -x "${CURRENT_DIR}/dockerd" ] && [ -x "${CURRENT_DIR}/containerd" ] && return 0
  log "docker-current: fetching Debian 13's docker.io and containerd into ${CURRENT_DIR}"
  local apt="${CURRENT_CACHE}/apt" deb
  mkdir -p "${apt}/lists/partial" "${apt}/archives/partial" "${CURRENT_DIR}"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$DEBIAN_MIRROR" >"${apt}/sources.list"
  local -a opts=(-q -o "Dir::Etc::sourcelist=${apt}/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=${apt}/lists"
    -o "Dir::Cache=${apt}" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update >&2 || return 1
  (cd "$CURRENT_CACHE" && apt-get "${opts[@]}" download docker.io containerd >&2) || return 1
  local unpacked="${CURRENT_CACHE}/unpacked"
  rm -rf "$unpacked"
  for deb in "$CURRENT_CACHE"/docker.io_*.deb "$CURRENT_CACHE"/containerd_*.deb; do dpkg-deb -x "$deb" "$unpacked" || return 1; done
  cp "${unpacked}/usr/sbin/dockerd" "${unpacked}/usr/sbin/docker-proxy" "${unpacked}/usr/bin/containerd" \
    "${unpacked}/usr/bin/containerd-shim-runc-v2" "$CURRENT_DIR/" || return 1
  rm -rf "$unpacked" "$apt"
}

ensure_docker_current() {
  if ! engine_up "$CURRENT_SOCK"; then
    if ! fetch_docker_current; then
      CURRENT_MISSING="Debian 13's docker.io could not be fetched"
      log "docker-current: ${CURRENT_MISSING}; left out of the matrix"
      return 0
    fi
    if ! ip link show "$CURRENT_BRIDGE" >/dev/null 2>&1; then
      ip link add "$CURRENT_BRIDGE" type bridge
      ip addr add "$CURRENT_BRIDGE_ADDR" dev "$CURRENT_BRIDGE"
      ip link set "$CURRENT_BRIDGE" up
    fi
    log "docker-current: starting ${CURRENT_DIR}/dockerd on ${CURRENT_SOCK} (log: ${CURRENT_LOG})"
    mkdir -p /var/lib/docker-current /run/docker-current
    PATH="${CURRENT_DIR}:${PATH}" setsid nohup "${CURRENT_DIR}/dockerd" --host "unix://${CURRENT_SOCK}" \
      --data-root /var/lib/docker-current --exec-root /run/docker-current --pidfile /run/docker-current.pid \
      --bridge "$CURRENT_BRIDGE" >>"$CURRENT_LOG" 2>&1 </dev/null &
    wait_until 120 0.5 engine_up "$CURRENT_SOCK" || die "the current dockerd did not answer; see ${CURRENT_LOG}"
  fi
  docker -H "unix://${CURRENT_SOCK}" image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
    docker save "$BASE_IMAGE" | docker -H "unix://${CURRENT_SOCK}" load >/dev/null
  log "docker-current: engine answers ($(docker -H "unix://${CURRENT_SOCK}" version -f '{{.Server.Version}}'))"
  CURRENT_ENGINE=",docker-current=unix://${CURRENT_SOCK}"
}

# ---------------------------------------------------------------------------------------
# Rootless engines refuse root: they run as an unprivileged test user with subordinate ids.
# ---------------------------------------------------------------------------------------
TEST_USER="${DOCKERCASK_TEST_USER:-dctest}"

ensure_test_user() {
  if ! id "$TEST_USER" >/dev/null 2>&1; then
    log "user: creating ${TEST_USER}"
    useradd -m -s /bin/bash "$TEST_USER"
  fi
  if ! grep -q "^${TEST_USER}:" /etc/subuid || ! grep -q "^${TEST_USER}:" /etc/subgid; then
    log "user: subordinate ids for ${TEST_USER}"
    usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$TEST_USER"
  fi
  TEST_UID="$(id -u "$TEST_USER")"
  TEST_RUNTIME="/run/user/${TEST_UID}"
  mkdir -p "$TEST_RUNTIME"
  chown "$TEST_USER:$TEST_USER" "$TEST_RUNTIME"
  chmod 0700 "$TEST_RUNTIME"
  # slirp4netns and rootlesskit open /dev/net/tun as the user; udev makes it 0666 on a desktop.
  [ -c /dev/net/tun ] && chmod 0666 /dev/net/tun
  # The base tarball, readable to the user's engines; the test binary and sources too.
  chmod a+rx "$(dirname "$BASE_TARBALL")"
}

as_test_user() { runuser -u "$TEST_USER" -- env -i HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" PATH="/usr/share/docker.io/contrib:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" XDG_RUNTIME_DIR="$TEST_RUNTIME" "$@"; }
user_engine_up() { as_test_user timeout 10 docker -H "unix://$1" info >/dev/null 2>&1; }

ensure_rootless_engines() {
  ensure_test_user
  ensure_base_tarball
  local podman_sock="${TEST_RUNTIME}/podman/podman.sock" docker_sock="${TEST_RUNTIME}/docker.sock"
  if ! user_engine_up "$podman_sock"; then
    log "podman-rootless: starting as ${TEST_USER} on ${podman_sock}"
    as_test_user mkdir -p "${TEST_RUNTIME}/podman"
    as_test_user setsid nohup podman system service --time=0 "unix://${podman_sock}" >>/var/log/dockercask-podman-rootless.log 2>&1 </dev/null &
    wait_until 60 0.5 user_engine_up "$podman_sock" || die "rootless podman did not answer; see /var/log/dockercask-podman-rootless.log"
  fi
  as_test_user podman image exists "$BASE_IMAGE" || as_test_user podman import "${IMPORT_CHANGES[@]}" "$BASE_TARBALL" "$BASE_IMAGE" >/dev/null
  log "podman-rootless: engine answers"
  if ! user_engine_up "$docker_sock"; then
    log "docker-rootless: starting dockerd-rootless.sh as ${TEST_USER} on ${docker_sock}"
    as_test_user setsid nohup dockerd-rootless.sh >>/var/log/dockercask-docker-rootless.log 2>&1 </dev/null &
    wait_until 120 0.5 user_engine_up "$docker_sock" || die "rootless dockerd did not answer; see /var/log/dockercask-docker-rootless.log"
  fi
  as_test_user docker -H "unix://${docker_sock}" image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
    as_test_user docker -H "unix://${docker_sock}" import "${IMPORT_CHANGES[@]}" "$BASE_TARBALL" "$BASE_IMAGE" >/dev/null
  log "docker-rootless: engine answers"
  ROOTLESS_ENGINES="podman-rootless=unix://${podman_sock},docker-rootless=unix://${docker_sock}"
}

# ---------------------------------------------------------------------------------------
ensure_packages
ensure_wayland_user
ensure_docker
ensure_base_image
ensure_podman
ensure_docker_current
ensure_rootless_engines
ensure_display
ensure_pulse
ensure_pipewire

printf 'DISPLAY=%s\n' "$TEST_DISPLAY"
printf 'PULSE_SERVER=%s\n' "$(pulse_server)"
printf 'DOCKERCASK_TEST_PIPEWIRE_SERVER=unix:%s/pulse/native\n' "$PIPEWIRE_DIR"
printf 'DOCKERCASK_TEST_SINK=%s\n' "$SINK"
# Engines the matrix runs on (name=DOCKER_HOST), the rootless ones with the user they run as.
printf 'DOCKERCASK_TEST_ENGINES=docker=unix:///var/run/docker.sock,podman=unix://%s%s\n' "$PODMAN_SOCK" "$CURRENT_ENGINE"
# An engine the test bed could not bring up, and why: the matrix names it.
printf 'DOCKERCASK_TEST_MISSING_ENGINES=%s\n' "${CURRENT_MISSING:+docker-current: ${CURRENT_MISSING}}"
printf 'DOCKERCASK_TEST_ROOTLESS_ENGINES=%s\n' "$ROOTLESS_ENGINES"
printf 'DOCKERCASK_TEST_USER=%s\n' "$TEST_USER"
# cgroup2fs: v2; tmpfs: v1 or hybrid, where rootless engines cannot enforce limits.
printf 'DOCKERCASK_TEST_CGROUP=%s\n' "$([ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo 2 || echo 1)"
log "ready"
