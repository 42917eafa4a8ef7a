# make run: queued, the scheduler, on the demo spool, delivering mail for
# demo.test through localspawn and maildeliver into the demo user's
# Maildir (demo/mail/demo/Maildir) and to other domains through
# smtp-remote.  Sourced by tools/run (DEMO, BIN, TOP).  postmaster is an
# alias of demo.  Never as root: as root queued runs as nobody, which is
# also the demo user's owner (localspawn, unprivileged, delivers as
# itself); otherwise as whoever runs the demo.
[ -x "$BIN/queued" ] && [ -x "$BIN/localspawn" ] && [ -x "$BIN/maildeliver" ] || return 0

mkdir -p "$DEMO/spool/tmp" "$DEMO/spool/todo"
[ -p "$DEMO/spool/trigger" ] || mkfifo "$DEMO/spool/trigger"
if [ "$(id -u)" = 0 ]; then
	Q_UID=$(id -u nobody) Q_GID=$(id -g nobody)
	chown -R nobody "$DEMO/spool"
	chown -R "$Q_UID:$Q_GID" "$DEMO/mail/demo"
else
	Q_UID=$(id -u) Q_GID=$(id -g)
fi
# The demo user (the pop3d fragment makes the same one, with password demo).
if [ -x "$BIN/facteur-passwd" ] &&
	! "$BIN/facteur-passwd" list 2>/dev/null | awk '$1 == "demo" { f = 1 } END { exit !f }'; then
	echo demo | "$BIN/facteur-passwd" add -s -c -u "$Q_UID" -g "$Q_GID" \
		-d "$DEMO/mail/demo" -m "$DEMO/mail/demo/Maildir" demo
fi
[ -e "$DEMO/etc/passwd.cdb" ] && chmod 644 "$DEMO/etc/passwd.cdb"
[ -e "$DEMO/etc/alias_user" ] || id -un "$Q_UID" >"$DEMO/etc/alias_user"
[ -e "$DEMO/etc/aliases" ] || printf 'postmaster: demo\nroot: demo\n' >"$DEMO/etc/aliases"
[ -x "$BIN/newaliases" ] && "$BIN/newaliases" 2>/dev/null
[ -e "$DEMO/etc/aliases.cdb" ] && chmod 644 "$DEMO/etc/aliases.cdb"
"$BIN/queued" -t || return 0

if [ "$(id -u)" = 0 ]; then
	service queued s6-setuidgid nobody "$BIN/queued" -d 3
else
	service queued "$BIN/queued" -d 3
fi
echo 3 >"$DEMO/service/queued/notification-fd"
echo "queued: mail to demo@demo.test lands in $DEMO/mail/demo/Maildir; $BIN/mailq lists the queue"
