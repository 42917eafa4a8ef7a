# lib/mime against Dovecot: the BODYSTRUCTURE, BODY, ENVELOPE and
# BODY[section] answers for every message of the MIME seed corpus
# (nesting, message/rfc822, digest, RFC 2231, encoded words, 8-bit,
# broken MIME) are the ones a private Dovecot (no protocols, its own
# base_dir) gives for the same message, through tools/mime-vs-dovecot
# (strings compared by value).  Skips without Dovecot or a C compiler.
. "$(dirname "$0")/lib.sh"
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LIBA=$(cd "$BIN/.." && pwd)/libfacteur.a
command -v dovecot >/dev/null && command -v doveadm >/dev/null ||
	skip "no Dovecot"
command -v python3 >/dev/null || skip "no python3"
command -v "${CC:-cc}" >/dev/null || skip "no C compiler"
[ -f "$LIBA" ] || skip "no $LIBA"
set +e
"$TOP/tools/mime-vs-dovecot" -s "$(dirname "$LIBA")" \
	"$TOP"/tests/fuzz/corpus/mime/* >"$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ $rc != 77 ] || skip "tools/mime-vs-dovecot: no Dovecot"
[ $rc = 0 ] || fail "lib/mime and Dovecot differ (above)"
n=$(grep -c ': same$' "$T/out")
[ "$n" -ge 16 ] || fail "only $n messages compared"
say "$n messages: lib/mime answers as Dovecot does"
