# Shared helpers for the integration tests; sourced, not run.
set -u
BIN=${FACTEUR_BIN:?}
T=$(mktemp -d /tmp/facteur-test.XXXXXX)
chmod 755 "$T"
# on_exit CMD: run CMD when the test ends, however it ends (last first).
CLEANUP=()
on_exit() { CLEANUP=("$1" "${CLEANUP[@]}"); }
cleanup() {
	rc=$?
	for c in "${CLEANUP[@]}"; do eval "$c" || true; done
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
	exit "$rc"
}
trap cleanup EXIT
# Tests never read the machine's control files.
export FACTEUR_ETC="$T/etc"
mkdir -p "$FACTEUR_ETC"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
say() { echo "-- $*"; }

# expect_rc CODE CMD...: runs CMD, fails unless it exits with CODE.
expect_rc() {
	want=$1; shift
	set +e
	"$@" 2>"$T/stderr"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "$* exited $got, want $want: $(cat "$T/stderr")"
}

# count DIR: regular files in DIR.
count() { find "$1" -maxdepth 1 -type f | wc -l; }

is_root() { [ "$(id -u)" = 0 ]; }
