# make install honours PREFIX and DESTDIR: every program and man page
# lands under DESTDIR/PREFIX with its mode, and nothing outside it.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v make >/dev/null || skip "no make"
build=$(dirname "$BIN")
root=$T/root
make -s -C "$top" BUILD="$build" DESTDIR="$root" PREFIX=/opt/fct install \
	>"$T/out" 2>&1 || fail "make install: $(cat "$T/out")"
for p in "$BIN"/*; do
	name=$(basename "$p")
	f=$(find "$root/opt/fct/bin" "$root/opt/fct/sbin" -name "$name" 2>/dev/null)
	[ -n "$f" ] || fail "$name not installed under $root/opt/fct"
	cmp -s "$p" "$f" || fail "$f differs from $p"
done
[ -x "$root/opt/fct/bin/maildeliver" ] || fail "maildeliver not executable"
[ "$(stat -c %a "$root/opt/fct/bin/maildeliver")" = 755 ] || fail "maildeliver mode"
[ -f "$root/opt/fct/share/man/man8/maildeliver.8" ] || fail "no maildeliver.8"
[ -x "$root/opt/fct/share/facteur/dhcpc-script" ] || fail "dhcpc-script not installed"
cmp -s "$top/etc/dhcpc-script" "$root/opt/fct/share/facteur/dhcpc-script" || fail "dhcpc-script differs"
extra=$(find "$root" -mindepth 1 -maxdepth 1 ! -name opt)
[ -z "$extra" ] || fail "install wrote outside PREFIX: $extra"
say "installed $(find "$root" -type f | wc -l) files under DESTDIR/PREFIX"
