# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the scripts/plot-* scripts: gnuplot (Debian's
# gnuplot-nox, installed quietly when missing) and the PNG terminal.
# Sourced after lib.sh, not executed.

# clab_need_gnuplot: make sure gnuplot with the pngcairo terminal is there.
clab_need_gnuplot() {
	if ! command -v gnuplot >/dev/null; then
		clab_log "installing gnuplot-nox (for the plots)"
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends gnuplot-nox >/dev/null 2>&1; then
			apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
			apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
				--no-install-recommends gnuplot-nox >/dev/null
		fi
	fi
	command -v gnuplot >/dev/null || clab_die "gnuplot is not installed"
}

# clab_gnuplot SCRIPT: run a gnuplot script quietly, failing on its errors.
clab_gnuplot() {
	local err
	err=$(gnuplot "$1" 2>&1) || clab_die "gnuplot $1: $err"
	[ -z "$err" ] || clab_log "gnuplot: $err"
}

# The terminal every plot uses: WIDTH HEIGHT OUT.
clab_png_terminal() {
	printf 'set terminal pngcairo size %s,%s font "DejaVu Sans,11" noenhanced\n' "$1" "$2"
	printf 'set output "%s"\n' "$3"
}
