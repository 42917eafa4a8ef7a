# newaliases: compiles $FACTEUR_ETC/aliases (and a named file) into a
# cdb holding exactly the parsed targets; -t checks with file:line:col
# errors and writes nothing; a bad file or a crash at any step leaves the
# old table whole.  (Expansion through a compiled table is tested in
# tests/unit/test_aliases.c.)
. "$(dirname "$0")/lib.sh"
set -e
[ -x "$BIN/newaliases" ] || fail "no $BIN/newaliases"
command -v cdb >/dev/null || skip "no cdb (tinycdb)"
E=$FACTEUR_ETC
A=$E/aliases

# value KEY [CDB]: the record for KEY, NULs shown as '|'.
value() { cdb -q "${2:-$E/aliases.cdb}" "$1" | tr '\0' '|'; }

say "compile: every kind of target, continuation lines, CRLF, comments"
printf '%s\r\n' '# the aliases' 'Postmaster: root' \
	'root: joe, \joe, joe@elsewhere.example' >"$A"
cat >>"$A" <<'EOF'
staff: ann,
  bob
# a comment inside the entry
	carol@here.example
bugs: "|/usr/bin/tracker --queue \"x, y\"", |/bin/cat -v
list: :include:/etc/facteur/list.members
archive: /var/mail/archive/Maildir/
EOF
"$BIN/newaliases" 2>"$T/err" || fail "newaliases: $(cat "$T/err")"
grep -q "6 aliases compiled" "$T/err" || fail "no summary: $(cat "$T/err")"
[ "$(stat -c %a "$E/aliases.cdb")" = 644 ] || fail "mode $(stat -c %a "$E/aliases.cdb")"
[ "$(value postmaster)" = "aroot|" ] || fail "postmaster: $(value postmaster)"
[ "$(value root)" = "ajoe|ujoe|ajoe@elsewhere.example|" ] || fail "root: $(value root)"
[ "$(value staff)" = "aann|abob|acarol@here.example|" ] || fail "staff: $(value staff)"
[ "$(value bugs)" = '|/usr/bin/tracker --queue "x, y"||/bin/cat -v|' ] ||
	fail "bugs: $(value bugs)"
[ "$(value list)" = "i/etc/facteur/list.members|" ] || fail "list: $(value list)"
[ "$(value archive)" = "//var/mail/archive/Maildir/|" ] || fail "archive: $(value archive)"
[ "$(cdb -d "$E/aliases.cdb" | grep -c '^+')" = 6 ] || fail "not 6 records"
! cdb -q "$E/aliases.cdb" Postmaster >/dev/null || fail "key not lower-cased"
ls "$E" | grep -q tmp && fail "temporary file left: $(ls "$E")"
cp "$E/aliases.cdb" "$T/good.cdb"

say "-t: a good file passes and nothing is written"
rm "$E/aliases.cdb"
"$BIN/newaliases" -t 2>"$T/err" || fail "-t: $(cat "$T/err")"
grep -q "6 aliases, ok" "$T/err" || fail "-t summary: $(cat "$T/err")"
[ ! -e "$E/aliases.cdb" ] || fail "-t wrote the table"
cp "$T/good.cdb" "$E/aliases.cdb"

# bad TEXT LINE COL REASON: -t and a compile both fail with exit 1 and
# FILE:LINE:COL: REASON, and the old table stays as it was.
bad() {
	printf "$1" >"$A"
	for opt in -t ""; do
		set +e
		"$BIN/newaliases" $opt 2>"$T/err"
		rc=$?
		set -e
		[ "$rc" = 1 ] || fail "newaliases $opt on [$1]: exit $rc: $(cat "$T/err")"
		grep -qF "$A:$2:$3: $4" "$T/err" ||
			fail "newaliases $opt on [$1]: $(cat "$T/err"), want $A:$2:$3: $4"
	done
	cmp "$T/good.cdb" "$E/aliases.cdb" || fail "a bad file changed the table"
	ls "$E" | grep -q tmp && fail "temporary file left: $(ls "$E")"
	return 0
}
say "-t and compile: errors with file:line:col, old table kept"
bad 'root joe\n' 1 6 "expected ':' after the alias name"
bad 'a: b\n  c d\n' 2 3 "white space in an address"
bad 'a: b\nA: c\n' 2 1 "duplicate alias (first on line 1)"
bad '  x\n' 1 1 "continuation line without an alias"
bad 'a: /var/mail/a\n' 1 4 "a path must end in / (a Maildir)"
bad 'a: "|cat\n' 1 4 "unterminated quote"
bad '# x\n\na:\nb: c\n' 3 1 "no targets for the alias"
bad 'a: :include:list\n' 1 4 "an :include: file needs an absolute path"
bad 'a: b\001\n' 1 5 "control character"
bad 'a: b,,c\n' 1 6 "empty target"

say "an empty file is an empty table"
: >"$A"
"$BIN/newaliases" 2>"$T/err" || fail "empty: $(cat "$T/err")"
[ "$(cdb -d "$E/aliases.cdb" | grep -c '^+' || true)" = 0 ] || fail "records in an empty table"

say "a named file compiles next to itself"
mkdir -p "$T/other"
printf 'x: y\n' >"$T/other/mine"
(cd "$T/other" && "$BIN/newaliases" mine 2>"$T/err") || fail "relative: $(cat "$T/err")"
[ "$(value x "$T/other/mine.cdb")" = "ay|" ] || fail "mine.cdb: $(value x "$T/other/mine.cdb")"
"$BIN/newaliases" -t "$T/other/mine" 2>"$T/err" || fail "-t FILE: $(cat "$T/err")"

say "errors of the system: 111; misuse: 100"
expect_rc 111 "$BIN/newaliases" "$T/nonexistent/aliases"
expect_rc 1 "$BIN/newaliases" "$T/other"
expect_rc 100 "$BIN/newaliases" -x
expect_rc 100 "$BIN/newaliases" a b

say "a crash at any step leaves the old table or the new one, whole"
printf 'old: table\n' >"$A"
"$BIN/newaliases" 2>/dev/null
cp "$E/aliases.cdb" "$T/old.cdb"
printf 'new: table, with, more\nsecond: entry\n' >"$A"
"$BIN/newaliases" "$A" 2>/dev/null
cp "$E/aliases.cdb" "$T/new.cdb"
cmp -s "$T/old.cdb" "$T/new.cdb" && fail "old and new tables are the same"
steps=0
for n in $(seq 1 10); do
	cp "$T/old.cdb" "$E/aliases.cdb"
	set +e
	FACTEUR_CRASH_AFTER=$n "$BIN/newaliases" 2>/dev/null
	rc=$?
	set -e
	if cmp -s "$E/aliases.cdb" "$T/new.cdb"; then
		:
	elif cmp -s "$E/aliases.cdb" "$T/old.cdb"; then
		[ "$rc" != 0 ] || fail "exit 0 but the old table after step $n"
	else
		fail "crash after step $n left a damaged table"
	fi
	rm -f "$E"/aliases.cdb.tmp.*
	if [ "$rc" = 0 ]; then steps=$n; break; fi
done
[ "$steps" -ge 3 ] || fail "fewer durable steps than expected: $steps"
say "ok"
