# imapd/: IMAP.  imap-login does the pre-authentication dialogue and runs
# a checkpassword program (checkpw), which runs imapd as the mail user.
PROGS += imapd imap-login
imapd_SRCS := imapd/imapd.c imapd/msgcmd.c imapd/mbox.c
imapd_DIR  := bin
imap-login_SRCS := imapd/imap-login.c
imap-login_DIR  := sbin
MANS += man/imapd.8 man/imap-login.8
