# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for compactlab scripts: cache paths and kernel naming.
# Sourced, not executed.

CLAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLAB_CACHE=${CLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compactlab}
CLAB_BUILD=${CLAB_BUILD:-$CLAB_TOP/build}
mkdir -p "$CLAB_CACHE" "$CLAB_BUILD"

clab_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
clab_die() { clab_log "error: $*"; exit 1; }

# The private apt configuration: extra suites (bookworm-backports) never
# touch the system's sources.
CLAB_APT_DIR=$CLAB_CACHE/apt
clab_apt_opts() {
	echo "-o Dir::Etc::sourcelist=$CLAB_APT_DIR/sources.list" \
	     "-o Dir::Etc::sourceparts=- -o Dir::State::Lists=$CLAB_APT_DIR/lists" \
	     "-o DPkg::Lock::Timeout=600"
}
