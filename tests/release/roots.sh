# Minimal Debian roots for the release tests, sourced by clean_root_test.sh
# and portable_test.sh. Each root is built once by debootstrap from the
# Debian mirror ($GRPCMESH_DEBIAN_MIRROR) into $GRPCMESH_CACHE/roots/NAME and
# reused; nothing is installed into it afterwards. Needs root (chroot, mount).
#
#   debian_root NAME SUITE ARCH [DEBOOTSTRAP_ARGS...]
#       prints the root's path, building it first when needed
#       (debootstrap --variant=minbase --arch=ARCH DEBOOTSTRAP_ARGS SUITE);
#       with --foreign the packages are only unpacked (another architecture).
#   enter_root ROOT
#       takes the root's run lock (runs share its /proc), mounts /proc in it
#       when nothing has, and makes ROOT/tmp/grpcmesh-release, a fresh
#       directory for this run; leave_root undoes all three.
# Both report a failure on stderr, prefixed with $roots_prog, and return 1.

roots_cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}/roots
roots_mirror=${GRPCMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
roots_prog=${roots_prog:-release}

debian_root() {
  local name=$1 suite=$2 arch=$3 dir
  shift 3
  dir="$roots_cache/$name"
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$roots_cache"
    (
      flock 9
      [ -f "$dir/.complete" ] && exit 0
      command -v debootstrap >/dev/null || { echo "$roots_prog: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
      local host port
      host=$(echo "$roots_mirror" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
      port=$(echo "$roots_mirror" | sed -nE 's#^[a-z]+://[^/:]+:([0-9]+).*#\1#p')
      [ -n "$port" ] || case $roots_mirror in https:*) port=443 ;; *) port=80 ;; esac
      if ! timeout 20 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
        echo "$roots_prog: the Debian mirror $roots_mirror is unreachable; cannot build the $suite $arch root (set GRPCMESH_DEBIAN_MIRROR)" >&2
        exit 1
      fi
      rm -rf "$dir.tmp"
      echo "$roots_prog: building a minimal $suite $arch root ($name)" >&2
      if ! debootstrap --variant=minbase --arch="$arch" "$@" "$suite" "$dir.tmp" "$roots_mirror" \
          >"$roots_cache/debootstrap-$name.log" 2>&1; then
        tail -5 "$roots_cache/debootstrap-$name.log" >&2
        echo "$roots_prog: debootstrap of the $suite $arch root failed (log: $roots_cache/debootstrap-$name.log)" >&2
        exit 1
      fi
      rm -rf "$dir.tmp/var/cache/apt/archives/"*.deb
      touch "$dir.tmp/.complete"
      mv "$dir.tmp" "$dir"
    ) 9>"$roots_cache/.lock" || return 1
  fi
  echo "$dir"
}

roots_entered=()
roots_mounted=()
roots_locks=()
enter_root() {
  local root=$1 lock_fd
  exec {lock_fd}>"$roots_cache/.run-$(basename "$root").lock"
  flock "$lock_fd"
  roots_locks+=("$lock_fd")
  roots_entered+=("$root")
  if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc" || { echo "$roots_prog: cannot mount /proc in $root" >&2; return 1; }
    roots_mounted+=("$root")
  fi
  rm -rf "$root/tmp/grpcmesh-release"
  mkdir -p "$root/tmp/grpcmesh-release"
}

leave_root() {
  local root fd
  for root in ${roots_mounted[@]+"${roots_mounted[@]}"}; do umount "$root/proc" 2>/dev/null || true; done
  for root in ${roots_entered[@]+"${roots_entered[@]}"}; do rm -rf "$root/tmp/grpcmesh-release"; done
  for fd in ${roots_locks[@]+"${roots_locks[@]}"}; do exec {fd}>&-; done
  roots_mounted=()
  roots_entered=()
  roots_locks=()
}
