# smtpd/: the MTA's receiving half: the spool writer, the ESMTP server
# and the sendmail-compatible injector.
PROGS += enqueue smtpd sendmail
enqueue_SRCS  := smtpd/enqueue.c
enqueue_DIR   := sbin
smtpd_SRCS    := smtpd/smtpd.c smtpd/policy.c
smtpd_LIBS    := $(CDB_LIBS)
smtpd_DIR     := sbin
sendmail_SRCS := smtpd/sendmail.c
sendmail_DIR  := sbin
MANS += man/enqueue.8 man/facteur-spool.5 man/smtpd.8 man/sendmail.8
# smtp-remote: the SMTP client queued runs for remote recipients.
PROGS += smtp-remote
smtp-remote_SRCS := smtpd/smtp-remote.c
smtp-remote_LIBS := $(SSL_LIBS) -lresolv
smtp-remote_DIR  := sbin
MANS += man/smtp-remote.8
# queued: the scheduler; mailq: the queue lister.
PROGS += queued mailq
queued_SRCS := smtpd/queued.c smtpd/policy.c
queued_LIBS := $(CDB_LIBS)
queued_DIR  := sbin
mailq_SRCS  := smtpd/mailq.c
mailq_DIR   := bin
MANS += man/queued.8 man/mailq.8
