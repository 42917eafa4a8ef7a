# Every man page parses cleanly (mandoc -Tlint at warning level), and
# every program the build makes has one.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v mandoc >/dev/null || skip "mandoc not installed"
n=0
for m in "$top"/man/*.[1-8]; do
	[ -e "$m" ] || continue
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1) || fail "$m: $out"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no man pages"
for p in "$BIN"/*; do
	name=$(basename "$p")
	ls "$top"/man/"$name".[1-8] >/dev/null 2>&1 || fail "no man page for $name"
done
say "$n man pages clean"
