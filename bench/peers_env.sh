# Sourced by the benchmarks: peers_env BUILD_DIR prints the peers env file to
# use: $GRPCMESH_PEERS_ENV when set, else BUILD_DIR/peers.env (where
# scripts/test.sh and scripts/demo.sh write it), else the cache's peers.env
# (where scripts/build-peers.sh writes it by default).
peers_env() {
  if [ -n "${GRPCMESH_PEERS_ENV:-}" ]; then
    echo "$GRPCMESH_PEERS_ENV"
  elif [ -f "$1/peers.env" ]; then
    echo "$1/peers.env"
  else
    echo "${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}/peers.env"
  fi
}
# need_peers BENCH FILE KEY...: fails with one line unless FILE names every KEY.
need_peers() {
  local bench=$1 file=$2 key
  shift 2
  [ -f "$file" ] || { echo "$bench: no peers env file at $file: run scripts/build-peers.sh --env-file $file" >&2; exit 1; }
  for key in "$@"; do
    grep -q "^$key=" "$file" || { echo "$bench: $file does not name $key: run scripts/build-peers.sh --env-file $file" >&2; exit 1; }
  done
}
